"""Encryption at rest for OAuth tokens (invariant 5), with key rotation.

The key setting is a comma-separated list of Fernet keys: the first encrypts, all of them
decrypt. To rotate, put a new key first, re-encrypt stored tokens with ``rotate`` (or let
them be rewritten on their next refresh), then drop the old key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .tokens import TokenSet


class TokenKeyError(ValueError):
    """The encryption key setting is missing or not a valid Fernet key."""


class TokenDecryptError(ValueError):
    """Stored tokens could not be decrypted with any configured key."""


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


class TokenCipher:
    def __init__(self, key: str | Sequence[str] | None, *, setting: str = "TOKEN_ENCRYPTION_KEY"):
        keys = key.split(",") if isinstance(key, str) else list(key or [])
        keys = [k.strip() for k in keys if k and k.strip()]
        if not keys:
            raise TokenKeyError(
                f"{setting} is not set; generate one with "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`"
            )
        fernets = []
        for position, value in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(value.encode("ascii")))
            except (ValueError, UnicodeEncodeError) as exc:
                raise TokenKeyError(
                    f"{setting}: key #{position} is not a valid Fernet key "
                    "(32 url-safe base64-encoded bytes)"
                ) from exc
        self._fernet = MultiFernet(fernets)

    def encrypt_tokens(self, tokens: TokenSet) -> str:
        payload = json.dumps(tokens.to_dict(), separators=(",", ":")).encode("utf-8")
        return self._fernet.encrypt(payload).decode("ascii")

    def decrypt_tokens(self, ciphertext: str | bytes) -> TokenSet:
        if isinstance(ciphertext, str):
            ciphertext = ciphertext.encode("ascii")
        try:
            payload = self._fernet.decrypt(ciphertext)
        except InvalidToken as exc:
            raise TokenDecryptError(
                "stored tokens cannot be decrypted: wrong or rotated-out key, or tampered data"
            ) from exc
        return TokenSet.from_dict(json.loads(payload))

    def rotate(self, ciphertext: str | bytes) -> str:
        """Re-encrypt with the first (current) key."""
        if isinstance(ciphertext, str):
            ciphertext = ciphertext.encode("ascii")
        try:
            return self._fernet.rotate(ciphertext).decode("ascii")
        except InvalidToken as exc:
            raise TokenDecryptError("stored tokens cannot be decrypted for rotation") from exc
