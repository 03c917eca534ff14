"""Review requests, the compliance moderation queue, decisions, and the policy engine."""
