"""Linked accounts, posts and their outbox rows."""
