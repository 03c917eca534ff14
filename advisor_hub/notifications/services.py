"""Notify users of what concerns them: decisions, failures, expiries.

Callers pass an untranslated message id marked with ``N_`` and its parameters, so each
reader sees it in their own language, now and later. The e-mail copy is sent after the
caller's transaction commits (:mod:`advisor_hub.notifications.mail`).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, has_app_context
from flask_babel import force_locale, get_locale, gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.db import rows_changed, utcnow
from advisor_hub.errors import NotFound
from advisor_hub.notifications.mail import SmtpSettings, build_message, queue_mail
from advisor_hub.notifications.models import Notification
from advisor_hub.pagination import Page, paginate

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Mark a message id for extraction without translating it yet."""
    return message


def in_reader_language(value: Any) -> Any:
    """A parameter given in each language ({"en": ..., "fr": ...}: a reason code's label,
    a subject's name) in the reader's; any other value as it is."""
    if isinstance(value, dict) and "en" in value:
        language = str(get_locale() or "en")[:2]
        return value.get(language) or value["en"]
    return value


def render(notification: Notification) -> str:
    params = {key: in_reader_language(value) for key, value in notification.params.items()}
    return gettext(notification.message, **params)


def notify(
    session: Session, user: User, message: str, params: dict[str, Any] | None = None,
    url: str | None = None,
) -> Notification:
    notification = Notification(user_id=user.id, message=message, params=params or {}, url=url)
    session.add(notification)
    session.flush()
    _queue_mail(session, user, notification)
    return notification


def _queue_mail(session: Session, user: User, notification: Notification) -> None:
    """Queue the e-mail copy; it leaves after the caller's commit (never on a rollback)."""
    if not has_app_context():
        return
    config = current_app.config
    settings = SmtpSettings.from_config(config)
    if settings is None:
        log.info("mail not configured; notification %s for user %s not e-mailed",
                 notification.id, user.id)
        return
    with force_locale(user.language):
        body = render(notification)
    queue_mail(session, settings, build_message(
        sender=config["MAIL_DEFAULT_SENDER"], to=user.email, subject=body,
        body=body + ("\n\n" + notification.url if notification.url else "")))


def unread_count(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    ) or 0


def list_notifications(session: Session, user: User, page: int = 1) -> Page[Notification]:
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return paginate(session, query, page=page, per_page=25)


def mark_read(session: Session, user: User, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, every) notification of this user read."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        if session.get(Notification, notification_id) is None or session.scalar(
            select(Notification.user_id).where(Notification.id == notification_id)
        ) != user.id:
            raise NotFound()
        query = query.where(Notification.id == notification_id)
    return rows_changed(session, query.values(read_at=utcnow()))
