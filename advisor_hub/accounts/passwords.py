"""Password hashing with Argon2id (argon2-cffi), tunable down for the test suite."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_dummy_hash: tuple[PasswordHasher, str] | None = None


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


def is_usable(password_hash: str) -> bool:
    """An Argon2 hash a password could match (not UNUSABLE_PASSWORD or anything else)."""
    return password_hash.startswith("$argon2")


def dummy_hash() -> str:
    """A hash made with today's parameters, of a password nobody knows: verifying against it
    costs what verifying a real account's hash costs."""
    global _dummy_hash
    if _dummy_hash is None or _dummy_hash[0] is not _hasher:
        _dummy_hash = (_hasher, _hasher.hash("no account has this password: timing only"))
    return _dummy_hash[1]


def verify_dummy(password: str) -> bool:
    """Spend the time of a real check, for an unknown, locked or password-less account, so
    the answer's timing says nothing about the account. Always False."""
    verify_password(dummy_hash(), password)
    return False


# Accounts that sign in only through the identity provider: no password ever matches it
# (not an Argon2 hash, so verify_password() is always False).
UNUSABLE_PASSWORD = "!"
