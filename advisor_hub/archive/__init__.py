"""The append-only, hash-chained archive of publications and review decisions."""
