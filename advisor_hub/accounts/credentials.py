"""Passwords over an account's life: change, reset by e-mailed link, reset forced by an admin.

Every new password passes :func:`check_new_password_for`. Setting one ends every session
of the account (:func:`end_sessions`), clears the lock and the forced-reset flag, is
audited, and the owner is told by e-mail. Which accounts may use a password at all (the
single sign-on settings) is the views' gate, as for the login form.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts import account_mail
from advisor_hub.accounts.lockout import Attempt, ResetLink, Verdict, clear_lock, complete_check
from advisor_hub.accounts.models import User
from advisor_hub.accounts.password_policy import check_new_password
from advisor_hub.accounts.passwords import hash_password, is_usable, verify_password
from advisor_hub.accounts.reset_tokens import (
    RESET_VALIDITY,
    InvalidResetLink,
    find_reset_token,
    issue_reset_token,
    use_reset_token,
)
from advisor_hub.accounts.services import end_sessions, get_user, normalise_email
from advisor_hub.audit.services import record
from advisor_hub.db import utcnow
from advisor_hub.errors import ValidationError
from advisor_hub.roles import Role, require_role


def check_new_password_for(user: User, password: str, *, field: str = "password") -> None:
    """Refuse a weak password for ``user``, or the one they have now."""
    check_new_password(password, user_inputs=(user.email, user.first_name, user.last_name),
                       field=field)
    if is_usable(user.password_hash) and verify_password(user.password_hash, password):
        raise ValidationError(_l("Choose a password different from the current one."),
                              field=field)


def _set_password(session: Session, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_reset_required = False
    clear_lock(session, user)
    end_sessions(session, user)
    account_mail.mail_password_changed(session, user)


def change_password(session: Session, *, actor: User, attempt: Attempt, current_password: str,
                    new_password: str, reset_link: ResetLink | None = None,
                    now: datetime | None = None) -> Verdict:
    """The actor's own password, given the current one (checked against the lockout with
    ``attempt``, reserved and committed beforehand, after :func:`check_new_password_for`).

    A wrong current password is returned, not raised: its count, and the lock it may cause,
    must be committed. When it locks the account, every session of the account ends (whoever
    is guessing at this keyboard is signed out too)."""
    if attempt.user_id != actor.id:
        raise ValueError("the attempt was reserved for another account")
    verdict = complete_check(session, attempt, current_password, now=now,
                             reset_link=reset_link)
    if not verdict.ok:
        session.refresh(actor)
        if actor.locked_until is not None and actor.locked_until > (now or utcnow()):
            end_sessions(session, actor)
        return verdict
    _set_password(session, actor, new_password)
    record(session, actor, "user.password_change", actor)
    return verdict


def request_password_reset(session: Session, *, email: str, reset_link: ResetLink,
                           valid_for: timedelta = RESET_VALIDITY,
                           now: datetime | None = None) -> None:
    """E-mail a reset link if ``email`` is an active account with a password; otherwise do
    nothing. Either way the caller answers the same thing."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active or not is_usable(user.password_hash):
        return
    token = issue_reset_token(session, user, now=now, valid_for=valid_for)
    record(session, None, "user.password_reset_requested", user)
    account_mail.mail_reset_link(session, user, reset_url=reset_link(user.id, token),
                                 minutes=int(valid_for.total_seconds() // 60))


def check_reset_link(session: Session, *, user_id: int, token: str,
                     now: datetime | None = None) -> User:
    """The account a reset link is for, if the link can still be used (InvalidResetLink)."""
    row = find_reset_token(session, user_id, token, now)
    user = session.get(User, row.user_id)
    if user is None or not user.active or not is_usable(user.password_hash):
        raise InvalidResetLink()
    return user


def reset_password(session: Session, *, user_id: int, token: str, new_password: str,
                   now: datetime | None = None) -> User:
    """Set a new password with an e-mailed link: the link is used up (and every other link of
    the account), the lock cleared, every session ended."""
    row = find_reset_token(session, user_id, token, now)
    user = check_reset_link(session, user_id=user_id, token=token, now=now)
    check_new_password_for(user, new_password)
    use_reset_token(session, row, now)
    _set_password(session, user, new_password)
    record(session, None, "user.password_reset", user)
    return user


def force_password_reset(session: Session, *, actor: User, user_id: int,
                         reset_link: ResetLink, valid_for: timedelta = RESET_VALIDITY,
                         now: datetime | None = None) -> User:
    """An administrator makes ``user_id`` choose a new password at their next login: every
    session ends now, and the user is e-mailed a reset link too."""
    require_role(actor, Role.ADMIN)
    user = get_user(session, user_id)
    if user.id == actor.id:
        raise ValidationError(_l("Change your own password from your preferences instead."))
    if not is_usable(user.password_hash):
        raise ValidationError(_l("This user signs in with single sign-on only: there is no "
                                 "password to reset."))
    user.password_reset_required = True
    end_sessions(session, user)
    record(session, actor, "user.password_reset_forced", user,
           before={"password_reset_required": False}, after={"password_reset_required": True})
    if user.active:
        token = issue_reset_token(session, user, now=now, valid_for=valid_for)
        account_mail.mail_forced_reset(session, user, reset_url=reset_link(user.id, token),
                                       minutes=int(valid_for.total_seconds() // 60))
    return user
