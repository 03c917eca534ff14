"""Issue 11 point 8: the login page tells nobody which e-mails are accounts, or locked ones.

Every refusal is the same page, and costs one Argon2 verification: against the account's
hash, or a dummy hash for an unknown e-mail, a locked or a password-less account. The
verifications are counted (not timed)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from argon2 import PasswordHasher

from advisor_hub.accounts import lockout, passwords
from advisor_hub.accounts.models import User
from advisor_hub.accounts.passwords import UNUSABLE_PASSWORD, dummy_hash
from tests.conftest import PASSWORD

WRONG = "wrong-password-here"


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash: Any, password: Any) -> bool:
        self.verified.append(hash)
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


def _page(client, email, password=WRONG):
    response = client.post("/login", data={"email": email, "password": password})
    return response.status_code, response.get_data(as_text=True)


def _locked(factory, db_session) -> User:
    user = factory.user(email="carol@example.com")
    for _ in range(lockout.MAX_FAILED_LOGINS):
        attempt = lockout.reserve_check(db_session, email=user.email)
        lockout.complete_check(db_session, attempt, WRONG)
    db_session.flush()
    return user


def test_unknown_wrong_locked_and_deactivated_get_the_same_page(client, factory,
                                                               db_session) -> None:
    known = factory.user(email="known@example.com")
    inactive = factory.user(email="gone@example.com")
    inactive.active = False
    _locked(factory, db_session)
    db_session.flush()
    pages = {
        "unknown": _page(client, "nobody@example.com"),
        "wrong": _page(client, known.email),
        "locked, right password": _page(client, "carol@example.com", PASSWORD),
        "locked, wrong password": _page(client, "carol@example.com"),
        "deactivated, right password": _page(client, inactive.email, PASSWORD),
    }
    for case, (status, html) in pages.items():
        assert status == 200, case
        assert "Invalid e-mail or password." in html, case
        assert "locked" not in html.lower(), case
        # Apart from the e-mail echoed in its field, the pages are one and the same.
        assert _without_email(html) == _without_email(pages["unknown"][1]), case


def _without_email(html: str) -> str:
    # The e-mail echoed in its field, and the CSRF token (signed with the second it was made).
    # Every form's token: the login form's and the navigation's language switch.
    html = re.sub(r'(name="csrf_token"[^>]*value=)"[^"]*"', r"\1", html)
    return re.sub(r'value="[^"]*@example\.com"', "", html)


def test_an_unknown_email_costs_one_verification_against_the_dummy_hash(
        client, hasher) -> None:
    status, _html = _page(client, "nobody@example.com")
    assert status == 200
    assert hasher.verified == [dummy_hash()]


def test_a_known_email_costs_one_verification_against_its_own_hash(
        client, factory, db_session, hasher) -> None:
    user = factory.user()
    db_session.flush()
    _page(client, user.email)
    assert hasher.verified == [user.password_hash]


def test_locked_and_password_less_accounts_verify_the_dummy_hash(
        client, factory, db_session, hasher) -> None:
    _locked(factory, db_session)
    sso_only = factory.user(email="sso@example.com")
    sso_only.password_hash = UNUSABLE_PASSWORD
    db_session.flush()
    hasher.verified.clear()
    _page(client, "carol@example.com", PASSWORD)
    _page(client, "sso@example.com")
    assert hasher.verified == [dummy_hash(), dummy_hash()]
