from datetime import UTC, datetime

import pytest

from advisor_hub.networks import (
    TokenCipher,
    TokenDecryptError,
    TokenKeyError,
    TokenSet,
    generate_key,
)

TOKENS = TokenSet(
    access_token="AQV-secret-access-token",
    refresh_token="rt-very-secret",
    expires_at=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
    scope="openid profile",
)


def test_round_trip_and_ciphertext_hides_tokens():
    cipher = TokenCipher(generate_key())
    ciphertext = cipher.encrypt_tokens(TOKENS)
    assert isinstance(ciphertext, str)
    assert "AQV-secret-access-token" not in ciphertext
    assert "rt-very-secret" not in ciphertext
    assert cipher.decrypt_tokens(ciphertext) == TOKENS
    assert cipher.decrypt_tokens(ciphertext.encode()) == TOKENS
    # Fernet uses a fresh IV: the same tokens never encrypt to the same bytes.
    assert cipher.encrypt_tokens(TOKENS) != ciphertext


def test_tokens_without_refresh_or_expiry_round_trip():
    cipher = TokenCipher(generate_key())
    plain = TokenSet(access_token="a")
    assert cipher.decrypt_tokens(cipher.encrypt_tokens(plain)) == plain


@pytest.mark.parametrize("key", [None, "", " , "])
def test_missing_key_is_a_clear_error(key):
    with pytest.raises(TokenKeyError, match="TOKEN_ENCRYPTION_KEY is not set"):
        TokenCipher(key)


def test_invalid_key_is_a_clear_error():
    with pytest.raises(TokenKeyError, match="key #2 is not a valid Fernet key"):
        TokenCipher(f"{generate_key()},not-a-key")


def test_rotation_first_key_encrypts_all_keys_decrypt():
    old, new = generate_key(), generate_key()
    stored = TokenCipher(old).encrypt_tokens(TOKENS)
    rotated_cipher = TokenCipher(f"{new},{old}")
    assert rotated_cipher.decrypt_tokens(stored) == TOKENS
    rewritten = rotated_cipher.rotate(stored)
    assert TokenCipher(new).decrypt_tokens(rewritten) == TOKENS
    with pytest.raises(TokenDecryptError):
        TokenCipher(old).decrypt_tokens(rewritten)


def test_wrong_key_or_tampering_is_detected():
    cipher = TokenCipher(generate_key())
    stored = cipher.encrypt_tokens(TOKENS)
    with pytest.raises(TokenDecryptError):
        TokenCipher(generate_key()).decrypt_tokens(stored)
    tampered = stored[:-5] + ("A" if stored[-5] != "A" else "B") + stored[-4:]
    with pytest.raises(TokenDecryptError):
        cipher.decrypt_tokens(tampered)
