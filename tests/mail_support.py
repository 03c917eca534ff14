"""A stand-in for ``smtplib.SMTP`` that records what would have been sent, and when."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest


@dataclass
class SmtpRecorder:
    """Every connection opened and message sent; ``on_connect`` runs as a connection opens
    (raise there to play a server that is down), ``on_send`` as each message goes."""

    connections: list[tuple[str, int, float | None]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    sent: list[EmailMessage] = field(default_factory=list)
    on_connect: Callable[[], None] | None = None
    on_send: Callable[[EmailMessage], None] | None = None

    def smtp(self, host: str, port: int = 0, timeout: float | None = None) -> _FakeSMTP:
        if self.on_connect is not None:
            self.on_connect()
        self.connections.append((host, port, timeout))
        return _FakeSMTP(self)


class _FakeSMTP:
    def __init__(self, recorder: SmtpRecorder) -> None:
        self.recorder = recorder

    def __enter__(self) -> _FakeSMTP:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def starttls(self) -> None:
        return None

    def login(self, user: str, password: str) -> None:
        self.recorder.logins.append((user, password))

    def send_message(self, message: EmailMessage) -> None:
        if self.recorder.on_send is not None:
            self.recorder.on_send(message)
        self.recorder.sent.append(message)


def patch_smtp(monkeypatch: pytest.MonkeyPatch) -> SmtpRecorder:
    """Replace ``smtplib.SMTP`` for the test; what would have been sent is recorded."""
    recorder = SmtpRecorder()
    monkeypatch.setattr("smtplib.SMTP", recorder.smtp)
    return recorder


MAIL_CONFIG = {"MAIL_SERVER": "smtp.example.test", "MAIL_PORT": 2525,
               "MAIL_USERNAME": "portal", "MAIL_PASSWORD": "s3cret-smtp-password",
               "MAIL_DEFAULT_SENDER": "advisor-hub@example.test"}
