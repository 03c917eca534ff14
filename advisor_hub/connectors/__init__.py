"""Connector health: the networks' real rules (API versions, token lifetimes, posting limits,
prices), app-wide holds, and advice people can act on. Facts and sources: docs/networks.md."""
