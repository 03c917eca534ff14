"""The append-only audit trail every state-changing service writes to."""
