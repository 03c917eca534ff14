"""Conversations: clients' comments on published posts, captured, answered, escalated and
archived (issue 15). Declared in ``advisor_hub.features``; see ``services``."""
