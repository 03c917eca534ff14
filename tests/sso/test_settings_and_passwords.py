"""Local passwords turned off (break-glass only), unsafe settings refused at start-up, and the
admin screen's group-to-role map."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from advisor_hub import create_app
from advisor_hub.audit.models import AuditEvent
from advisor_hub.roles import Role
from advisor_hub.sso.config import UnsafeSetting
from advisor_hub.sso.rolemap import parse_role_map
from tests.conftest import PASSWORD, app_config


@pytest.fixture
def passwords_off(app_overrides: dict[str, Any]) -> None:
    app_overrides.update(LOCAL_PASSWORDS="false", BREAK_GLASS_EMAILS="Root@Bank.example")


def test_local_passwords_off_refuses_the_form_but_not_the_break_glass_account(
        passwords_off, client, factory, db_session) -> None:
    advisor = factory.user("advisor")
    root = factory.user("admin", email="root@bank.example")
    db_session.flush()
    page = client.get("/login").get_data(as_text=True)
    assert "only the break-glass administrator account may use one" in page
    assert "Sign in with Banque Test" in page
    refused = client.post("/login", data={"email": advisor.email, "password": PASSWORD})
    assert refused.status_code == 200
    assert "Passwords are turned off here" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert client.post("/login", data={"email": root.email,
                                       "password": PASSWORD}).status_code == 302
    assert client.get("/").status_code == 200


def test_an_sso_only_account_has_no_usable_password(flow, client, db_session) -> None:
    flow.sign_in("alice")
    client.post("/logout")
    for password in ("!", "", PASSWORD):
        response = client.post("/login", data={"email": "alice@bank.example",
                                               "password": password})
        assert response.status_code == 200


@pytest.mark.parametrize(("settings", "message"), [
    ({"OIDC_ISSUER": "http://idp.bank.example"}, "not an https URL"),
    ({"OIDC_ISSUER": "https://idp.bank.example"}, "OIDC_CLIENT_ID"),
    ({"OIDC_ISSUER": "https://idp.bank.example", "OIDC_CLIENT_ID": "x",
      "OIDC_ROLE_MAP": "it=root"}, "unknown role"),
    ({"LOCAL_PASSWORDS": "false"}, "locks everyone out"),
    ({"SCIM_TOKEN": "short"}, "at least 32"),
])
def test_unsafe_settings_stop_the_start_up(tmp_path, settings, message) -> None:
    with pytest.raises(UnsafeSetting, match=message):
        create_app(app_config("sqlite://", tmp_path, **settings))


@pytest.mark.parametrize("issuer", ["http://127.0.0.1:8080", "http://localhost:9000/realm",
                                    "http://[::1]:8080", "https://login.bank.example/tenant"])
def test_https_or_loopback_issuers_are_accepted(tmp_path, issuer) -> None:
    create_app(app_config("sqlite://", tmp_path, OIDC_ISSUER=issuer, OIDC_CLIENT_ID="x"))


def test_endpoints_over_plain_http_elsewhere_are_refused_at_sign_in(
        flow, provider, client) -> None:
    provider.discovery_overrides = {"token_endpoint": "http://idp.bank.example/token"}
    response = client.get("/sso/login")
    assert response.headers["Location"] == "/login"
    assert "not served over https" in client.get("/login").get_data(as_text=True)


def test_a_discovery_document_naming_another_issuer_is_refused(flow, provider, client) -> None:
    provider.discovery_overrides = {"issuer": "https://evil.example"}
    assert client.get("/sso/login").headers["Location"] == "/login"
    assert "cannot be reached or answered wrongly" in client.get("/login").get_data(
        as_text=True)


def test_the_admin_screen_overrides_the_environments_map(
        client, factory, auth, db_session, flow, provider) -> None:
    admin = factory.user("admin")
    auth.login(admin)
    page = client.get("/admin/sso").get_data(as_text=True)
    assert "advisors=advisor" in page and "OIDC_ROLE_MAP applies" in page
    bad = client.post("/admin/sso", data={"role_map": "advisors=pope", "save": "1"})
    assert "names an unknown role" in bad.get_data(as_text=True)
    saved = client.post("/admin/sso", data={"role_map": "advisors=marketing\nit=admin",
                                            "save": "1"})
    assert saved.status_code == 302
    event = db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "sso.role_map_changed"))
    assert event.actor_id == admin.id and event.after["role_map"] == "advisors=marketing\nit=admin"
    client.post("/logout")
    flow.sign_in("alice")  # in "advisors": now marketing
    from advisor_hub.accounts.models import User

    alice = db_session.scalar(select(User).where(User.email == "alice@bank.example"))
    assert alice.roles == [Role.MARKETING]


def test_role_map_syntax() -> None:
    assert parse_role_map("Legal = compliance+senior_compliance,\n IT=admin") == {
        "legal": frozenset({Role.COMPLIANCE, Role.SENIOR_COMPLIANCE}),
        "it": frozenset({Role.ADMIN})}
