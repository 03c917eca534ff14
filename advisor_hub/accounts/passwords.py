"""Password hashing with Argon2id (argon2-cffi), tunable down for the test suite."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def use_fast_hashing() -> None:
    """Tests only: cheap parameters so creating hundreds of users stays quick."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Accounts that sign in only through the identity provider: no password ever matches it
# (not an Argon2 hash, so verify_password() is always False).
UNUSABLE_PASSWORD = "!"
