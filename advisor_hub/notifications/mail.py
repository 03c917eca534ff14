"""E-mail, sent only after the transaction that asked for it has committed.

``queue_mail`` builds the message at once (in the recipient's language, while the data is at
hand) and queues it on the session (:func:`advisor_hub.db.after_commit`): a rollback drops
it, a commit sends every message of the transaction over one SMTP connection, with no
database lock held. A mail server that is slow or down costs at most its timeout, after the
commit, and is logged; the in-portal notification stays the record.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from sqlalchemy.orm import Session

from advisor_hub.db import after_commit

log = logging.getLogger(__name__)

SUBJECT_LENGTH = 120
TIMEOUT = 10


@dataclass(frozen=True)
class SmtpSettings:
    server: str
    port: int = 25
    use_tls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = TIMEOUT

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings | None:
        """The app's SMTP settings, or None when no mail server is configured."""
        if not config.get("MAIL_SERVER"):
            return None
        return cls(server=config["MAIL_SERVER"], port=int(config.get("MAIL_PORT") or 25),
                   use_tls=bool(config.get("MAIL_USE_TLS")),
                   username=config.get("MAIL_USERNAME") or None,
                   password=config.get("MAIL_PASSWORD") or None)


@dataclass(frozen=True)
class Mail:
    settings: SmtpSettings
    message: EmailMessage = field(repr=False)


def header_text(text: str, length: int = SUBJECT_LENGTH) -> str:
    """One line fit for a header: line breaks and runs of spaces folded into one space (a
    multi-line reviewer comment in a subject would otherwise be refused, or inject headers)."""
    return " ".join(text.split())[:length]


def build_message(*, sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = header_text(sender, 998)
    message["To"] = header_text(to, 998)
    message["Subject"] = header_text(subject)
    message.set_content(body)
    return message


def queue_mail(session: Session, settings: SmtpSettings, message: EmailMessage) -> None:
    """Send ``message`` once the session's transaction commits; never if it rolls back."""
    after_commit(session, send_mails, Mail(settings, message))


def send_mails(mails: list[Mail]) -> None:
    """Send the messages, one connection per server; a failure is logged, never raised."""
    by_server: dict[SmtpSettings, list[EmailMessage]] = {}
    for mail in mails:
        by_server.setdefault(mail.settings, []).append(mail.message)
    for settings, messages in by_server.items():
        try:
            with smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout) as smtp:
                if settings.use_tls:
                    smtp.starttls()
                if settings.username:
                    smtp.login(settings.username, settings.password or "")
                for message in messages:
                    smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            # No traceback: it could carry the server's reply to the login; the type and the
            # server name say what failed.
            log.error("could not e-mail %d message(s) through %s:%s: %s", len(messages),
                      settings.server, settings.port, type(error).__name__)
