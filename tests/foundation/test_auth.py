from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from advisor_hub.accounts import services
from advisor_hub.db import utcnow
from tests.conftest import PASSWORD


def test_login_lands_on_home_and_logout_ends_the_session(client, factory, auth) -> None:
    user = factory.user("advisor", first_name="Alice")
    response = auth.login(user)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Welcome, Alice" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, factory) -> None:
    user = factory.user()
    response = client.post("/login", data={"email": user.email, "password": "wrong-one!!"})
    assert response.status_code == 200
    assert "Invalid e-mail or password." in response.get_data(as_text=True)


def test_five_failures_lock_the_account_for_fifteen_minutes(client, factory, db_session) -> None:
    user = factory.user()
    db_session.flush()
    for _ in range(4):
        page = client.post("/login", data={"email": user.email, "password": "bad-password"})
        assert "Invalid e-mail or password." in page.get_data(as_text=True)
    # The page says the same thing when the account locks and while it is locked (which
    # accounts exist and are locked is nobody's business); the audit trail has the lock.
    page = client.post("/login", data={"email": user.email, "password": "bad-password"})
    assert "Invalid e-mail or password." in page.get_data(as_text=True)
    db_session.refresh(user)
    assert user.locked_until is not None and user.locked_until > utcnow()
    # Even the right password is refused while locked.
    page = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert page.status_code == 200
    assert "Invalid e-mail or password." in page.get_data(as_text=True)
    assert "locked" not in page.get_data(as_text=True)
    with time_machine.travel(utcnow() + timedelta(minutes=16)):
        assert client.post("/login", data={"email": user.email,
                                           "password": PASSWORD}).status_code == 302


def test_lockout_is_recorded_in_the_audit_trail(db_session, factory) -> None:
    user = factory.user()
    for _ in range(4):
        with pytest.raises(services.InvalidCredentials):
            services.authenticate(db_session, user.email, "nope-nope-nope")
    with pytest.raises(services.AccountLocked):
        services.authenticate(db_session, user.email, "nope-nope-nope")
    from advisor_hub.audit.services import trail_for

    assert [e.action for e in trail_for(db_session, user)] == ["user.create", "user.locked"]


def test_deactivated_user_cannot_log_in_and_is_logged_out(client, factory, auth, db_session,
                                                         ) -> None:
    admin = factory.user("admin")
    user = factory.user()
    assert auth.login(user).status_code == 302
    services.set_user_active(db_session, actor=admin, user_id=user.id, active=False)
    db_session.flush()
    assert client.get("/").status_code == 302  # the live session no longer loads
    response = auth.login(user)
    assert response.status_code == 200
    assert "Invalid e-mail or password." in response.get_data(as_text=True)


@pytest.mark.parametrize("target,expected", [
    ("/preferences", "/preferences"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
])
def test_next_redirect_is_only_followed_on_site(client, factory, target, expected) -> None:
    user = factory.user()
    response = client.post(f"/login?next={target}",
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == expected


class TestCsrf:
    @pytest.fixture
    def app_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_form_without_token_is_rejected_and_changes_nothing(self, client, factory,
                                                                db_session) -> None:
        user = factory.user()
        db_session.flush()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 400
        assert "The request could not be understood" in response.get_data(as_text=True)
        db_session.refresh(user)
        assert user.last_login_at is None
        # The token was the only thing missing: the same post with the form's token logs in.
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          client.get("/login").get_data(as_text=True))
        assert token, "the login form carries no CSRF token"
        response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": token.group(1)})
        assert response.status_code == 302


def test_security_headers_and_cookie_flags(client, factory, auth) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cookies = auth.login(factory.user()).headers.getlist("Set-Cookie")
    cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_outside_debug(tmp_path) -> None:
    from advisor_hub import create_app
    from tests.conftest import TEST_TOKEN_KEY

    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                      "TOKEN_ENCRYPTION_KEY": TEST_TOKEN_KEY})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_passwords_are_hashed_with_argon2(factory) -> None:
    user = factory.user()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
