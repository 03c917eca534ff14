"""Issue 11 point 6: a session ends for good at logout, deactivation and role change, and
login starts a brand-new session (no planted value, a new CSRF secret)."""

from __future__ import annotations

from typing import Any

import pytest

from advisor_hub.accounts import services
from tests.conftest import PASSWORD


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {}  # these run with the defaults: local passwords, no provider


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_a_copied_cookie_stops_working_after_logout(app, client, factory, auth) -> None:
    user = factory.user()
    auth.login(user)
    stolen = _cookie(client)
    assert _with_cookie(app, stolen).get("/").status_code == 200
    auth.logout()
    assert _with_cookie(app, stolen).get("/").status_code == 302


def test_old_cookies_do_not_come_back_after_deactivate_and_reactivate(
        app, client, factory, auth, db_session) -> None:
    admin = factory.user("admin")
    user = factory.user()
    auth.login(user)
    stolen = _cookie(client)
    services.set_user_active(db_session, actor=admin, user_id=user.id, active=False)
    services.set_user_active(db_session, actor=admin, user_id=user.id, active=True)
    db_session.flush()
    assert _with_cookie(app, stolen).get("/").status_code == 302
    assert auth.login(user).status_code == 302 and client.get("/").status_code == 200


def test_a_role_change_ends_the_old_session(app, client, factory, auth, db_session) -> None:
    admin = factory.user("admin")
    user = factory.user("advisor", "marketing")
    auth.login(user)
    stolen = _cookie(client)
    services.update_user(db_session, actor=admin, user_id=user.id, first_name="A",
                         last_name="B", roles=["advisor"], branch_id=None, language="en",
                         time_zone="Europe/Paris")
    db_session.flush()
    assert _with_cookie(app, stolen).get("/").status_code == 302
    # A change that leaves the roles alone keeps the session.
    auth.login(user)
    kept = _cookie(client)
    services.update_user(db_session, actor=admin, user_id=user.id, first_name="C",
                         last_name="D", roles=["advisor"], branch_id=None, language="en",
                         time_zone="Europe/Paris")
    db_session.flush()
    assert _with_cookie(app, kept).get("/").status_code == 200


def test_login_starts_a_new_session_with_a_new_csrf_secret(client, factory, db_session) -> None:
    user = factory.user()
    db_session.flush()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["csrf_token"] = "known-to-the-attacker"
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != "known-to-the-attacker"
        assert session["_user_id"] == str(user.id)


def test_a_session_without_a_version_is_refused(app, client, factory, db_session) -> None:
    user = factory.user()
    db_session.flush()
    with client.session_transaction() as session:
        session.update({"_user_id": str(user.id), "_fresh": True})  # forged by hand
    assert client.get("/").status_code == 302
