"""E-mails about the account itself: a lock, a reset link, a changed or reset password.

Each is written in the recipient's language and queued on the session
(:func:`advisor_hub.db.after_commit`): nothing leaves if the transaction rolls back. After
the commit they are handed to a background thread rather than sent in the request, so
that a page such as "forgot your password" takes the same time whether or not the e-mail
belongs to an account (an SMTP exchange would tell).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.db import after_commit
from advisor_hub.notifications.mail import Mail, SmtpSettings, build_message, send_mails

log = logging.getLogger(__name__)

_senders: list[threading.Thread] = []
_senders_lock = threading.Lock()


def _send_in_background(mails: list[Mail]) -> None:
    thread = threading.Thread(target=send_mails, args=(mails,), name="account-mail",
                              daemon=True)
    with _senders_lock:
        _senders[:] = [t for t in _senders if t.is_alive()]
        _senders.append(thread)
    thread.start()


def wait_for_mail(timeout: float = 10) -> None:
    """Wait until the account e-mails handed over so far are sent (tests, shutdown)."""
    with _senders_lock:
        pending = list(_senders)
    for thread in pending:
        thread.join(timeout)


def _queue(session: Session, user: User, subject: str, body: str) -> None:
    if not has_app_context():
        return
    config = current_app.config
    settings = SmtpSettings.from_config(config)
    if settings is None:
        log.info("mail not configured; account e-mail for user %s not sent", user.id)
        return
    message = build_message(sender=config["MAIL_DEFAULT_SENDER"], to=user.email,
                            subject=subject, body=body)
    after_commit(session, _send_in_background, Mail(settings, message))


def mail_lock_notice(session: Session, user: User, *, failures: int, until: datetime,
                     reset_url: str | None) -> None:
    with force_locale(user.language):
        subject = gettext("Your Advisor Hub account is locked")
        body = gettext(
            "After %(n)d wrong passwords in a row, your Advisor Hub account is locked until "
            "%(until)s (%(zone)s).\n\nIf this was not you, someone may be trying your "
            "password: tell your security team.", n=failures, zone=user.time_zone,
            until=until.astimezone(ZoneInfo(user.time_zone)).strftime("%Y-%m-%d %H:%M"))
        if reset_url:
            body += "\n\n" + gettext(
                "To sign in now, choose a new password (this link works once, for a limited "
                "time):\n%(url)s", url=reset_url)
    _queue(session, user, subject, body)


def mail_reset_link(session: Session, user: User, *, reset_url: str, minutes: int) -> None:
    with force_locale(user.language):
        subject = gettext("Reset your Advisor Hub password")
        body = gettext(
            "Someone (you, we hope) asked to reset the password of your Advisor Hub account. "
            "Choose a new one here; the link works once, within %(minutes)d minutes:\n"
            "%(url)s\n\nIf you did not ask, ignore this e-mail: your password stays as it is.",
            minutes=minutes, url=reset_url)
    _queue(session, user, subject, body)


def mail_forced_reset(session: Session, user: User, *, reset_url: str, minutes: int) -> None:
    with force_locale(user.language):
        subject = gettext("Choose a new Advisor Hub password")
        body = gettext(
            "An administrator asked you to choose a new password: you will be asked for one "
            "at your next login. You can also choose it here; the link works once, within "
            "%(minutes)d minutes:\n%(url)s", minutes=minutes, url=reset_url)
    _queue(session, user, subject, body)


def mail_password_changed(session: Session, user: User) -> None:
    with force_locale(user.language):
        subject = gettext("Your Advisor Hub password was changed")
        body = gettext(
            "The password of your Advisor Hub account was just changed, and every session "
            "of the account was ended.\n\nIf this was not you, tell your security team now.")
    _queue(session, user, subject, body)
