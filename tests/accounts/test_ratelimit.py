"""Issue 11 point 5: rate limits per client address and per account, and the 429 page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"LOGIN_LIMIT_PER_ADDRESS": "5 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
            "PASSWORD_RESET_LIMIT_PER_ADDRESS": "4 per minute",
            "PASSWORD_RESET_LIMIT_PER_ACCOUNT": "2 per hour"}


def _login(client, email, password="wrong-password-here", address="10.0.0.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("language,text", [("en", "Too many attempts"),
                                           ("fr", "Trop de tentatives")])
def test_one_address_is_limited_with_a_page_in_its_language(client, language, text) -> None:
    for n in range(5):
        assert _login(client, f"someone{n}@example.com").status_code == 200
    response = client.post("/login", data={"email": "x@example.com", "password": "y"},
                           environ_base={"REMOTE_ADDR": "10.0.0.1"},
                           headers={"Accept-Language": language})
    assert response.status_code == 429
    assert text in response.get_data(as_text=True)
    assert _login(client, "x@example.com", address="10.0.0.2").status_code == 200  # another


def test_one_account_is_limited_from_every_address_known_or_not(client, factory,
                                                                db_session) -> None:
    user = factory.user()
    db_session.flush()
    for email in (user.email, "nobody@example.com"):
        for n in range(3):
            assert _login(client, email, address=f"10.1.{n}.1").status_code == 200
        assert _login(client, email, address="10.1.9.9").status_code == 429
    assert _login(client, "third@example.com", address="10.1.9.9").status_code == 200


def test_successful_logins_do_not_count_against_the_account(client, factory,
                                                            db_session) -> None:
    user = factory.user()
    db_session.flush()
    for n in range(4):
        assert _login(client, user.email, PASSWORD, address=f"10.2.{n}.1").status_code == 302
        client.post("/logout")


def test_reset_requests_are_limited_per_account_and_address(client, factory, db_session,
                                                            ) -> None:
    user = factory.user()
    db_session.flush()
    for _ in range(2):
        assert client.post("/password/forgot", data={"email": user.email}).status_code == 302
    assert client.post("/password/forgot", data={"email": user.email}).status_code == 429
    assert client.post("/password/forgot", data={"email": "b@example.com"}).status_code == 302
    assert client.post("/password/forgot", data={"email": "c@example.com"}).status_code == 429


class TestOff:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_ENABLED": "false", "LOGIN_LIMIT_PER_ADDRESS": "1 per hour"}

    def test_limits_can_be_turned_off(self, client) -> None:
        for _ in range(3):
            assert _login(client, "a@example.com").status_code == 200


def test_the_storage_is_configurable(app) -> None:
    from advisor_hub.accounts.ratelimit import limiter

    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert type(limiter.storage).__name__ == "MemoryStorage"
