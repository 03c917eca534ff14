"""Password checks counted against the lockout, exactly, however many arrive at once.

A check is two steps with a commit between them (the views do this):

1. :func:`reserve_check` takes a numbered slot with one atomic statement
   (``UPDATE users SET failed_logins = failed_logins + 1 ... RETURNING failed_logins``)
   unless the account is locked. Committing it at once releases the row before the slow
   hash, and the number stands whatever happens next.
2. :func:`complete_check` verifies the password only for slots 1 to MAX_FAILED_LOGINS;
   a later slot (it raced past the threshold) or a locked account is refused without
   looking at the password. A failure in the last slot locks the account; a success resets
   the count, and counts only if the account is not locked at that very moment (a right
   password that lost the race to a lock is refused).

So at most MAX_FAILED_LOGINS passwords are ever verified between two successes or locks,
on PostgreSQL as on SQLite. Unknown e-mails, locked and password-less accounts cost one
Argon2 verification too (against a dummy hash), and every refusal says the same thing:
the page tells nobody which accounts exist or are locked. The lock itself goes to the
audit trail and, by e-mail, to the account's owner with a reset link (the reset clears it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from advisor_hub.accounts.account_mail import mail_lock_notice
from advisor_hub.accounts.models import User
from advisor_hub.accounts.passwords import is_usable, verify_dummy, verify_password
from advisor_hub.accounts.reset_tokens import issue_reset_token
from advisor_hub.audit.services import record
from advisor_hub.db import rows_changed, utcnow
from advisor_hub.errors import DomainError

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)

ResetLink = Callable[[int, str], str]  # (user id, token) -> the reset page's absolute URL


class InvalidCredentials(DomainError):
    """Wrong password, unknown e-mail, locked or deactivated account: one message for all."""

    default_message = _l("Invalid e-mail or password.")


class AccountLocked(InvalidCredentials):
    """The account is locked: the page says only what InvalidCredentials says."""

    def __init__(self, until: datetime | None = None) -> None:
        self.until = until
        super().__init__()


class Refusal(StrEnum):
    UNKNOWN = "unknown"
    WRONG_PASSWORD = "wrong_password"
    LOCKED = "locked"
    OVER_THRESHOLD = "over_threshold"  # raced past the threshold: not checked, refused
    INACTIVE = "inactive"
    NO_PASSWORD = "no_password"  # signs in only through the identity provider


@dataclass(frozen=True)
class Attempt:
    """A reserved check: the account (None: unknown e-mail) and its slot number."""

    user_id: int | None
    slot: int
    refusal: Refusal | None = None  # decided before looking at the password


@dataclass(frozen=True)
class Verdict:
    user: User | None
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None

    def raise_if_refused(self) -> User:
        if self.user is None:
            raise AccountLocked() if self.refusal in (Refusal.LOCKED, Refusal.OVER_THRESHOLD) \
                else InvalidCredentials()
        return self.user


def _not_locked(now: datetime):
    return or_(User.locked_until.is_(None), User.locked_until <= now)


def reserve_check(session: Session, *, email: str | None = None, user_id: int | None = None,
                  now: datetime | None = None) -> Attempt:
    """Count one password check of the account with this e-mail (or id) before making it.

    The caller commits before :func:`complete_check`, so the count holds even if the
    request dies, and no row lock is held during the hash."""
    now = now or utcnow()
    condition = User.id == user_id if user_id is not None else User.email == email
    row = session.execute(
        update(User).where(condition, _not_locked(now))
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.id, User.failed_logins)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is not None:
        return Attempt(row[0], row[1])
    locked_id = session.scalar(select(User.id).where(condition))
    if locked_id is None:
        return Attempt(None, 0, Refusal.UNKNOWN)
    return Attempt(locked_id, 0, Refusal.LOCKED)


def complete_check(session: Session, attempt: Attempt, password: str, *,
                   now: datetime | None = None, reset_link: ResetLink | None = None) -> Verdict:
    """Verify the password of a reserved attempt; record a success, or a lock.

    Never raises for a refusal (what it records must be committed with it): the caller
    turns a refused :class:`Verdict` into :class:`InvalidCredentials`."""
    now = now or utcnow()
    if attempt.user_id is None or attempt.refusal is not None:
        verify_dummy(password)
        return Verdict(None, attempt.refusal or Refusal.UNKNOWN)
    user = session.get(User, attempt.user_id, populate_existing=True)
    if user is None:
        verify_dummy(password)
        return Verdict(None, Refusal.UNKNOWN)
    if attempt.slot > MAX_FAILED_LOGINS:
        verify_dummy(password)
        _lock(session, user, now, reset_link)  # in case the last slot's check is still running
        return Verdict(None, Refusal.OVER_THRESHOLD)
    if not is_usable(user.password_hash):
        verify_dummy(password)
        right, refusal = False, Refusal.NO_PASSWORD
    else:
        right, refusal = verify_password(user.password_hash, password), Refusal.WRONG_PASSWORD
    if right and not user.active:
        right, refusal = False, Refusal.INACTIVE
    if right:
        counted = rows_changed(session,
            update(User).where(User.id == user.id, _not_locked(now))
            .values(failed_logins=0, locked_until=None)
            .execution_options(synchronize_session=False)
        )
        session.refresh(user)
        if counted == 1:
            return Verdict(user)
        return Verdict(None, Refusal.LOCKED)  # locked while this check ran
    if attempt.slot >= MAX_FAILED_LOGINS:
        _lock(session, user, now, reset_link)
        return Verdict(None, Refusal.LOCKED)
    return Verdict(None, refusal)


def _lock(session: Session, user: User, now: datetime, reset_link: ResetLink | None) -> None:
    """Lock the account unless it already is; the lock restarts the count at zero."""
    until = now + LOCKOUT
    locked = rows_changed(session,
        update(User).where(User.id == user.id, _not_locked(now))
        .values(locked_until=until, failed_logins=0)
        .execution_options(synchronize_session=False)
    )
    session.refresh(user)
    if locked != 1:
        return
    record(session, None, "user.locked", user,
           after={"locked_until": until, "failed_logins": MAX_FAILED_LOGINS})
    if user.active:
        reset_url = None
        if reset_link is not None and is_usable(user.password_hash):
            reset_url = reset_link(user.id, issue_reset_token(session, user, now=now))
        mail_lock_notice(session, user, failures=MAX_FAILED_LOGINS, until=until,
                         reset_url=reset_url)


def clear_lock(session: Session, user: User) -> None:
    """Unlock the account and restart its count (a password reset does this)."""
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
