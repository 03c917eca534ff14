"""Issue 11 point 7: password change, reset by e-mailed link, forced reset; weak passwords."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from advisor_hub.accounts import services
from advisor_hub.accounts.models import PasswordResetToken
from advisor_hub.audit.services import trail_for
from advisor_hub.db import utcnow
from advisor_hub.errors import ValidationError
from tests.accounts.conftest import LINK, body, reset_path, sent, sign_in
from tests.conftest import PASSWORD, Auth

NEW = "violet-harbour-engine-73"
SENT = "If this e-mail belongs to an account that signs in with a password"
INVALID = "This password reset link is not valid"


def _ask_reset(client, email):
    return client.post("/password/forgot", data={"email": email})


def _reset(client, path, password=NEW):
    return client.post(path, data={"new_password": password, "confirm": password})


def _change(client, current, new=NEW):
    return client.post("/password/change", data={"current_password": current,
                                                  "new_password": new, "confirm": new})


# --- the reset request ------------------------------------------------------------------------


def test_the_request_answers_the_same_whether_or_not_the_account_exists(
        client, factory, db_session, smtp) -> None:
    user = factory.user()
    db_session.flush()
    answers = []
    for email in (user.email, "nobody@example.com"):
        response = _ask_reset(client, email)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, response.headers["Location"], SENT in page))
    assert answers[0] == answers[1] == (302, "/login", True)
    assert [m["To"] for m in sent(smtp)] == [user.email]  # only the account gets a mail


def test_only_a_hash_of_the_token_is_stored(client, factory, db_session, smtp) -> None:
    user = factory.user()
    db_session.flush()
    _ask_reset(client, user.email)
    token = LINK.search(body(sent(smtp)[0])).group(2)
    stored = db_session.scalars(select(PasswordResetToken.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in stored


def test_a_deactivated_or_sso_only_account_gets_no_link(client, factory, db_session,
                                                       smtp) -> None:
    gone = factory.user()
    gone.active = False
    sso_only = factory.user()
    sso_only.password_hash = "!"
    db_session.flush()
    for user in (gone, sso_only):
        assert _ask_reset(client, user.email).status_code == 302
    assert sent(smtp) == []


# --- the reset link ---------------------------------------------------------------------------


def test_a_link_works_once(client, factory, db_session, smtp) -> None:
    user = factory.user()
    db_session.flush()
    _ask_reset(client, user.email)
    path = reset_path(sent(smtp)[0])
    assert client.get(path).status_code == 200
    assert _reset(client, path).status_code == 302
    client.post("/logout")
    again = _reset(client, path, "second-try-orchard-88")
    assert again.status_code == 404 and INVALID in again.get_data(as_text=True)
    assert Auth(client).login(user, NEW).status_code == 302


def test_a_link_expires(client, factory, db_session, smtp) -> None:
    user = factory.user()
    db_session.flush()
    _ask_reset(client, user.email)
    path = reset_path(sent(smtp)[0])
    with time_machine.travel(utcnow() + timedelta(minutes=31)):
        response = _reset(client, path)
    assert response.status_code == 404 and INVALID in response.get_data(as_text=True)
    assert Auth(client).login(user, PASSWORD).status_code == 302  # unchanged


def test_a_wrong_token_is_refused(client, factory, db_session, smtp) -> None:
    user = factory.user()
    db_session.flush()
    _ask_reset(client, user.email)
    path = reset_path(sent(smtp)[0])
    for wrong in (path[:-1] + ("A" if path[-1] != "A" else "B"), f"/password/reset/{user.id}/x"):
        assert client.get(wrong).status_code == 404
        assert _reset(client, wrong).status_code == 404
    assert Auth(client).login(user, PASSWORD).status_code == 302


def test_another_users_token_does_not_reset_this_account(client, factory, db_session,
                                                         smtp) -> None:
    alice, bob = factory.user(), factory.user()
    db_session.flush()
    _ask_reset(client, bob.email)
    bob_token = LINK.search(body(sent(smtp)[0])).group(2)
    response = _reset(client, f"/password/reset/{alice.id}/{bob_token}")
    assert response.status_code == 404
    assert Auth(client).login(alice, PASSWORD).status_code == 302
    client.post("/logout")
    # Bob's link still works, for Bob only.
    assert _reset(client, f"/password/reset/{bob.id}/{bob_token}").status_code == 302
    client.post("/logout")
    assert Auth(client).login(bob, NEW).status_code == 302


def test_a_new_password_uses_up_every_other_link_of_the_account(client, factory, db_session,
                                                                 smtp) -> None:
    user = factory.user()
    db_session.flush()
    _ask_reset(client, user.email)
    _ask_reset(client, user.email)
    first, second = (reset_path(m) for m in sent(smtp))
    assert _reset(client, second).status_code == 302
    client.post("/logout")
    assert _reset(client, first, "another-lovely-ferry-51").status_code == 404


def test_a_reset_ends_every_session_and_is_audited(app, client, factory, db_session,
                                                   smtp) -> None:
    user = factory.user()
    elsewhere = app.test_client()
    assert Auth(elsewhere).login(user).status_code == 302
    assert elsewhere.get("/").status_code == 200
    _ask_reset(client, user.email)
    reset_mail = sent(smtp)[0]
    assert _reset(client, reset_path(reset_mail)).status_code == 302
    assert elsewhere.get("/").status_code == 302  # the other session ended
    assert client.get("/").status_code == 200  # the reset signed this browser in anew
    actions = [e.action for e in trail_for(db_session, user)]
    assert "user.password_reset_requested" in actions and "user.password_reset" in actions
    assert "password of your Advisor Hub account was just changed" in body(sent(smtp)[-1])


@pytest.mark.parametrize("language,message", [
    ("en", "This password is too easy to guess"),
    ("fr", "Ce mot de passe est trop facile à deviner"),
])
def test_a_weak_password_is_refused_in_the_users_language(client, factory, db_session, smtp,
                                                          language, message) -> None:
    user = factory.user(language=language)
    db_session.flush()
    _ask_reset(client, user.email)
    path = reset_path(sent(smtp)[0])
    client.post("/language", data={"language": language})
    for weak in ("aaaaaaaaaa", "password123", "qwertyuiop12", f"{user.last_name}2026!"):
        response = _reset(client, path, weak)
        assert response.status_code == 200, weak
        assert message in response.get_data(as_text=True), weak
    assert _reset(client, path).status_code == 302  # the link survived the refusals


def test_an_admin_cannot_create_a_user_with_a_weak_password(db_session, factory) -> None:
    admin = factory.user("admin")
    with pytest.raises(ValidationError, match="too easy to guess"):
        services.create_user(db_session, actor=admin, email="weak@example.com",
                             first_name="W", last_name="Eak", password="aaaaaaaaaa",
                             roles=["advisor"])


# --- change -----------------------------------------------------------------------------------


def test_a_change_needs_the_current_password(client, factory, auth, db_session) -> None:
    user = factory.user()
    auth.login(user)
    response = _change(client, "not-my-password")
    assert response.status_code == 200
    assert "The current password is wrong." in response.get_data(as_text=True)
    client.post("/logout")
    assert auth.login(user, PASSWORD).status_code == 302  # unchanged
    assert _change(client, PASSWORD).status_code == 302
    client.post("/logout")
    assert auth.login(user, NEW).status_code == 302
    assert "user.password_change" in [e.action for e in trail_for(db_session, user)]


def test_a_change_ends_every_other_session(app, client, factory, auth) -> None:
    user = factory.user()
    auth.login(user)
    elsewhere = app.test_client()
    Auth(elsewhere).login(user)
    assert _change(client, PASSWORD).status_code == 302
    assert elsewhere.get("/").status_code == 302
    assert client.get("/").status_code == 200  # this one goes on, on a new session


def test_wrong_current_passwords_count_towards_the_lock(client, factory, auth,
                                                        db_session) -> None:
    """Someone at an open session cannot guess the password through the change form."""
    user = factory.user()
    auth.login(user)
    for _ in range(4):
        assert _change(client, "guess-guess-guess").status_code == 200
    response = _change(client, "guess-guess-guess")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302  # the guesser was signed out
    db_session.refresh(user)
    assert user.locked_until is not None
    assert auth.login(user, PASSWORD).status_code == 200  # locked


def test_a_weak_new_password_is_refused_and_costs_no_attempt(client, factory, auth,
                                                             db_session) -> None:
    user = factory.user()
    auth.login(user)
    for _ in range(6):
        response = _change(client, PASSWORD, "aaaaaaaaaa")
        assert "This password is too easy to guess" in response.get_data(as_text=True)
    db_session.refresh(user)
    assert user.failed_logins == 0 and user.locked_until is None
    assert "Choose a password different" in _change(client, PASSWORD, PASSWORD).get_data(
        as_text=True)


# --- forced reset -----------------------------------------------------------------------------


def test_an_admin_forces_a_reset(app, client, factory, db_session, smtp) -> None:
    admin, user = factory.user("admin"), factory.user()
    db_session.flush()
    victim = app.test_client()
    Auth(victim).login(user)
    Auth(client).login(admin)
    response = client.post(f"/admin/users/{user.id}/password-reset")
    assert response.status_code == 302
    assert victim.get("/").status_code == 302  # every session of the user ended
    assert "user.password_reset_forced" in [e.action for e in trail_for(db_session, user)]
    assert "Choose a new Advisor Hub password" in sent(smtp)[0]["Subject"]
    # At the next login, nothing but the password form until a new one is set.
    assert Auth(victim).login(user).status_code == 302
    page = victim.get("/")
    assert page.status_code == 302 and page.headers["Location"] == "/password/change"
    assert "asked you to choose a new password" in victim.get(
        "/password/change").get_data(as_text=True)
    assert victim.get("/preferences").headers["Location"] == "/password/change"
    assert _change(victim, PASSWORD).status_code == 302
    assert victim.get("/").status_code == 200


def test_only_admins_force_a_reset_and_not_on_sso_only_accounts(client, factory, auth,
                                                                db_session) -> None:
    admin, other, sso_only = factory.user("admin"), factory.user("compliance"), factory.user()
    sso_only.password_hash = "!"
    db_session.flush()
    auth.login(other)
    assert client.post(f"/admin/users/{sso_only.id}/password-reset").status_code == 403
    client.post("/logout")
    auth.login(admin)
    client.post(f"/admin/users/{sso_only.id}/password-reset")
    db_session.refresh(sso_only)
    assert not sso_only.password_reset_required
    assert client.post("/admin/users/999999/password-reset").status_code == 404


# --- local passwords turned off (single sign-on) --------------------------------------------


class TestPasswordsOff:
    @pytest.fixture
    def app_overrides(self):
        from tests.mail_support import MAIL_CONFIG

        return {**MAIL_CONFIG, "LOCAL_PASSWORDS": "false",
                "BREAK_GLASS_EMAILS": "root@bank.example"}

    def test_no_reset_for_users_who_must_use_sso(self, client, factory, db_session,
                                                 smtp) -> None:
        user = factory.user()
        db_session.flush()
        page = _ask_reset(client, user.email)
        assert page.status_code == 200
        assert "Passwords are turned off here" in page.get_data(as_text=True)
        from advisor_hub.accounts.reset_tokens import issue_reset_token

        token = issue_reset_token(db_session, user)  # e.g. sent before passwords went off
        db_session.flush()
        assert client.get(f"/password/reset/{user.id}/{token}").status_code == 404
        assert _reset(client, f"/password/reset/{user.id}/{token}").status_code == 404
        assert sent(smtp) == []

    def test_the_break_glass_account_may_reset_and_change(self, client, factory, db_session,
                                                          smtp) -> None:
        root = factory.user("admin", email="root@bank.example")
        db_session.flush()
        assert _ask_reset(client, "Root@Bank.example").status_code == 302
        assert _reset(client, reset_path(sent(smtp)[0])).status_code == 302
        assert _change(client, NEW, "second-lovely-password-64").status_code == 302
        assert root.email == "root@bank.example"

    def test_no_change_for_users_who_must_use_sso(self, app, client, factory,
                                                  db_session) -> None:
        user = factory.user()
        db_session.flush()
        sign_in(app, client, user)  # signed in (through the provider, in real life)
        response = _change(client, PASSWORD)
        assert "Passwords are turned off here" in response.get_data(as_text=True)
        db_session.refresh(user)
        assert user.failed_logins == 0


class TestBaseUrl:
    @pytest.fixture
    def app_overrides(self):
        from tests.mail_support import MAIL_CONFIG

        return {**MAIL_CONFIG, "PASSWORD_RESET_BASE_URL": "https://hub.bank.example/"}

    def test_links_are_built_on_the_configured_address_not_the_host_header(
            self, client, factory, db_session, smtp) -> None:
        user = factory.user()
        db_session.flush()
        client.post("/password/forgot", data={"email": user.email},
                    headers={"Host": "evil.example"})
        assert f"https://hub.bank.example/password/reset/{user.id}/" in body(sent(smtp)[0])
        assert "evil.example" not in body(sent(smtp)[0])
