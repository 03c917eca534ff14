"""OpenID Connect sign-in against the test provider over real HTTP: provisioning, the
directory's changes, and every forged or stale answer refused."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from sqlalchemy import select

from advisor_hub.accounts.models import User
from advisor_hub.audit.models import AuditEvent
from advisor_hub.db import utcnow
from advisor_hub.roles import Role


def _user(db_session, login: str) -> User | None:
    db_session.expire_all()
    return db_session.scalar(select(User).where(User.email == f"{login}@bank.example"))


def _page(client) -> str:
    return client.get("/").get_data(as_text=True)


def test_login_page_offers_sign_in_with_the_provider(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Banque Test" in page and 'href="/sso/login"' in page
    client.get("/login", headers={"Accept-Language": "fr"})
    assert "Se connecter avec Banque Test" in client.get(
        "/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)


def test_authorization_request_uses_pkce_state_and_nonce(flow) -> None:
    query = parse_qs(urlsplit(flow.authorize_url()).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["response_type"] == ["code"] and query["scope"] == ["openid profile email"]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32


def test_first_sign_in_creates_the_user_with_mapped_roles_branch_language_and_zone(
        flow, provider, factory, db_session, client) -> None:
    branch = factory.branch("Lyon Part-Dieu")
    provider.users["alice"]["branch"] = "lyon part-dieu"
    db_session.flush()
    response = flow.sign_in("alice", next_path="/preferences")
    assert response.status_code == 302 and response.headers["Location"] == "/preferences"
    user = _user(db_session, "alice")
    assert user is not None and user.roles == [Role.ADVISOR]
    assert (user.idp_issuer, user.idp_subject) == (provider.issuer, "sub-alice")
    assert user.branch_id == branch.id and user.language == "fr"
    assert user.time_zone == "Europe/Brussels" and user.first_name == "Alice"
    assert "Alice" in _page(client)
    created = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "idp.user_created"))
    assert created.actor_id is None and created.after["by"] == "identity provider"


def test_several_groups_give_several_roles_through_the_sign_in_page(
        flow, db_session) -> None:
    callback = flow.approve(flow.authorize_url(), login="bob")
    assert flow.client.get(callback).status_code == 302
    assert _user(db_session, "bob").roles == sorted(
        [Role.MARKETING, Role.COMPLIANCE, Role.SENIOR_COMPLIANCE])


def test_a_changed_group_changes_the_roles_at_the_next_sign_in(
        flow, provider, db_session, client) -> None:
    flow.sign_in("alice")
    client.post("/logout")
    provider.users["alice"]["groups"] = ["compliance"]
    assert flow.sign_in("alice").status_code == 302
    user = _user(db_session, "alice")
    assert user.roles == [Role.COMPLIANCE]
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "idp.user_updated"))
    assert event.before["roles"] == ["advisor"] and event.after["roles"] == ["compliance"]
    assert event.actor_id is None and event.after["by"] == "identity provider"


def test_groups_that_map_to_no_role_are_refused_and_strip_a_known_user(
        flow, provider, db_session, client) -> None:
    response = flow.sign_in("nobody")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "in no group that gives access to Advisor Hub" in page
    assert _user(db_session, "nobody") is None
    flow.sign_in("alice")
    client.post("/logout")
    provider.users["alice"]["groups"] = ["cafeteria"]
    flow.sign_in("alice")
    assert "in no group that gives access" in client.get("/login").get_data(as_text=True)
    assert _user(db_session, "alice").roles == []
    assert client.get("/").status_code == 302


def test_a_deactivated_user_is_refused(flow, db_session, client) -> None:
    flow.sign_in("alice")
    client.post("/logout")
    _user(db_session, "alice").active = False
    db_session.flush()
    flow.sign_in("alice")
    assert "This account is deactivated" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_an_existing_account_is_linked_by_verified_email_only(
        flow, provider, factory, db_session, client) -> None:
    local = factory.user("advisor", email="alice@bank.example")
    db_session.flush()
    provider.users["alice"]["email_verified"] = False
    flow.sign_in("alice")
    assert "already belongs to another account" in client.get("/login").get_data(as_text=True)
    provider.users["alice"]["email_verified"] = True
    assert flow.sign_in("alice").status_code == 302
    db_session.expire_all()
    assert db_session.get(User, local.id).idp_subject == "sub-alice"


@pytest.mark.parametrize("tamper", ["signature", "aud", "expired", "iss", "hs256"])
def test_a_forged_or_stale_id_token_signs_nobody_in(
        tamper, flow, provider, db_session, client) -> None:
    provider.tamper = tamper
    response = flow.sign_in("alice")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "failed its security checks" in client.get("/login").get_data(as_text=True)
    assert _user(db_session, "alice") is None
    assert client.get("/").status_code == 302


def test_a_replayed_nonce_is_refused(flow, provider, db_session, client) -> None:
    flow.sign_in("alice")
    client.post("/logout")
    provider.tamper = "nonce"  # the provider answers with the first sign-in's nonce
    flow.sign_in("alice")
    assert "failed its security checks" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_replayed_callback_and_a_wrong_state_are_refused(
        flow, client, db_session) -> None:
    callback = flow.approve(flow.authorize_url())
    wrong = callback.replace("state=", "state=x")
    assert client.get(wrong).headers["Location"] == "/login"
    assert "not valid or was already used" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302
    # The flow was spent by the wrong attempt: the genuine callback no longer works either.
    assert client.get(callback).headers["Location"] == "/login"
    callback = flow.approve(flow.authorize_url())
    assert client.get(callback).status_code == 302 and client.get("/").status_code == 200
    client.post("/logout")
    assert client.get(callback).headers["Location"] == "/login"  # replayed: refused


def test_the_code_goes_back_with_the_pkce_verifier(flow, provider, client) -> None:
    callback = flow.approve(flow.authorize_url())
    with client.session_transaction() as session:
        session["_sso_flow"] = {**session["_sso_flow"], "verifier": "not-the-" + "x" * 48}
    assert client.get(callback).headers["Location"] == "/login"
    assert provider.token_errors == ["PKCE verification failed"]


def test_key_rotation_fetches_the_jwks_again_once(flow, provider, client) -> None:
    flow.sign_in("alice")
    client.post("/logout")
    assert provider.jwks_requests == 1
    flow.sign_in("alice")
    client.post("/logout")
    assert provider.jwks_requests == 1  # cached
    provider.rotate_key()
    assert flow.sign_in("alice").status_code == 302
    assert client.get("/").status_code == 200
    assert provider.jwks_requests == 2


def test_an_id_token_signed_by_an_unknown_key_is_refused_after_one_refetch(
        flow, provider, client) -> None:
    flow.sign_in("alice")
    client.post("/logout")
    old_keys = list(provider.keys)
    provider.rotate_key()
    provider.published_keys = old_keys  # its JWKS does not show the key it signs with
    flow.sign_in("alice")
    assert "failed its security checks" in client.get("/login").get_data(as_text=True)
    assert provider.jwks_requests == 2  # one refetch, then refused


def test_sign_out_offers_the_providers_end_session(flow, provider, client) -> None:
    flow.sign_in("alice")
    response = client.post("/logout")
    assert response.headers["Location"] == "/sso/signed-out"
    page = client.get("/sso/signed-out").get_data(as_text=True)
    assert f"{provider.url}/logout?" in page and "id_token_hint=" in page
    assert "post_logout_redirect_uri=http%3A%2F%2Flocalhost%2Flogin" in page
    assert client.get("/sso/signed-out").headers["Location"] == "/login"  # offered once


def test_the_session_ends_after_its_absolute_lifetime_and_when_idle(
        flow, client) -> None:
    flow.sign_in("alice")
    with time_machine.travel(utcnow() + timedelta(minutes=29)):
        assert client.get("/").status_code == 200
    with time_machine.travel(utcnow() + timedelta(minutes=29 + 31)):
        assert client.get("/").status_code == 302
    flow.sign_in("alice")
    start = utcnow()
    for minutes in range(20, 12 * 60, 20):  # active all day, never idle for long
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=5)):
        assert client.get("/").status_code == 302
