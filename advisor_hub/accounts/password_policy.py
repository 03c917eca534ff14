"""What a new password must be: long enough, and not easy to guess, checked offline.

The guessability check is zxcvbn (the maintained Python port of Dropbox's estimator): it
ships the 30,000 most frequent passwords of public breach corpora, English words, names
and keyboard patterns, sees through l33t substitutions, repeats, sequences and dates, and
also weighs the user's own name and e-mail. A bundled top-N list would refuse only exact
matches ("Password2026!" or "aaaaaaaaaa" would pass it); zxcvbn refuses what a cracking
dictionary with rules would find early, with no network (no breach API is called).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn  # type: ignore[import-untyped]

from advisor_hub.errors import ValidationError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128  # Argon2 takes any length; this bounds the work of one request
MIN_SCORE = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable" (about 10^8 guesses and more)
CHECKED_PREFIX = 72  # zxcvbn's own input limit; a longer password is at least as strong


class WeakPassword(ValidationError):
    default_message = _l(
        "This password is too easy to guess: it is a common or breached password, a "
        "pattern, or close to your name or e-mail. Choose a longer one, for example a few "
        "unrelated words.")


def check_new_password(password: str, *, user_inputs: Iterable[str] = (),
                       field: str = "password") -> None:
    """Refuse (ValidationError on ``field``) a password too short, too long, or guessable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(
            _l("The password must have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH),
            field=field)
    inputs = [part for value in user_inputs for part in _words(value)]
    if zxcvbn(password[:CHECKED_PREFIX], user_inputs=inputs)["score"] < MIN_SCORE:
        raise WeakPassword(field=field)


def _words(value: str) -> list[str]:
    """The user's e-mail and names, whole and in pieces (``jean.dupont@bank.example`` gives
    ``jean``, ``dupont``, ``bank``...), so a password built from them scores low."""
    value = value.strip().lower()
    if not value:
        return []
    pieces = value.replace("@", " ").replace(".", " ").replace("-", " ").replace("_", " ")
    return [value, *(p for p in pieces.split() if len(p) > 2)]
