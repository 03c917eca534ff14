"""Helpers for the account tests: mail captured, reset links read out of the e-mails."""

from __future__ import annotations

import re
from typing import Any

import pytest

from advisor_hub.accounts.account_mail import wait_for_mail
from tests.mail_support import MAIL_CONFIG, SmtpRecorder, patch_smtp

LINK = re.compile(r"https?://\S+/password/reset/(\d+)/(\S+)")


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return dict(MAIL_CONFIG)


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> SmtpRecorder:
    return patch_smtp(monkeypatch)


def sent(smtp: SmtpRecorder) -> list[Any]:
    """The messages sent so far (account e-mails leave from a background thread)."""
    wait_for_mail()
    return smtp.sent


def body(message: Any) -> str:
    return message.get_content()


def reset_path(message: Any) -> str:
    """The path of the reset link in ``message``."""
    found = LINK.search(body(message))
    assert found, f"no reset link in: {body(message)!r}"
    return f"/password/reset/{found.group(1)}/{found.group(2)}"


def sign_in(app: Any, client: Any, user: Any) -> None:
    """A signed-in session for ``user`` without the login form (as the identity provider's
    sign-in leaves it)."""
    from flask_login.utils import _create_identifier

    from advisor_hub.accounts.login import session_data

    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session.update({"_user_id": str(user.id), "_fresh": True, "_id": identifier,
                        **session_data(user)})
