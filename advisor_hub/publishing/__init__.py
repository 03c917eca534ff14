"""Linked network accounts, the composer, the outbox and the dispatch scheduler."""
