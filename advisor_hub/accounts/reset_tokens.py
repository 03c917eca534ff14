"""Password reset tokens: random, single use, expiring; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import PasswordResetToken, User
from advisor_hub.db import rows_changed, utcnow
from advisor_hub.errors import DomainError

RESET_VALIDITY = timedelta(minutes=30)  # default of PASSWORD_RESET_TOKEN_MINUTES


class InvalidResetLink(DomainError):
    default_message = _l("This password reset link is not valid: it was already used, has "
                         "expired, or was mistyped. Ask for a new one.")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_reset_token(session: Session, user: User, *, now: datetime | None = None,
                      valid_for: timedelta = RESET_VALIDITY) -> str:
    """A new token for ``user`` (returned once, to go in the e-mail; never stored as is)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(PasswordResetToken(user_id=user.id, token_hash=_digest(token), created_at=now,
                                   expires_at=now + valid_for))
    session.flush()
    return token


def find_reset_token(session: Session, user_id: int, token: str,
                     now: datetime | None = None) -> PasswordResetToken:
    """The unused, unexpired token of this user (InvalidResetLink otherwise); not used up."""
    now = now or utcnow()
    row = session.scalar(select(PasswordResetToken).where(
        PasswordResetToken.token_hash == _digest(token)))
    if row is None or row.user_id != user_id or row.used_at is not None or row.expires_at <= now:
        raise InvalidResetLink()
    return row


def use_reset_token(session: Session, row: PasswordResetToken, now: datetime | None = None,
                    ) -> None:
    """Use the token up, atomically (two tabs sending it at once: one wins), and every other
    outstanding token of the same user with it."""
    now = now or utcnow()
    claimed = rows_changed(session,
        update(PasswordResetToken)
        .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None),
               PasswordResetToken.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)
    )
    if claimed != 1:
        raise InvalidResetLink()
    session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == row.user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    session.refresh(row)
