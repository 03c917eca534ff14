"""Signing in through the identity provider's own page in Chromium: "Sign in with <firm>"
on the portal's login page, the provider's form (user name and password), back to the
portal signed in with the roles the directory's groups map to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from advisor_hub.accounts.models import User
from advisor_hub.db import transaction
from advisor_hub.roles import Role
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, TestProvider, serve

pytestmark = pytest.mark.browser

PASSWORD = "provider-password-9f3a"


@pytest.fixture
def provider() -> Iterator[TestProvider]:
    provider = TestProvider()
    provider.add_user("zoe", groups=["mkt", "legal"], locale="fr-FR",
                      zoneinfo="Europe/Paris", given_name="Zoé")
    provider.passwords["zoe"] = PASSWORD
    running = serve(provider)
    yield provider
    running.stop()


@pytest.fixture
def live_overrides(provider: TestProvider) -> dict[str, Any]:
    return {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_PROVIDER_NAME": "Banque Test",
            "OIDC_ROLE_MAP": "advisors=advisor,mkt=marketing,"
                             "legal=compliance+senior_compliance,it=admin"}


def test_sign_in_through_the_providers_page(live_server, provider, page) -> None:
    provider.redirect_uris.add(f"{live_server.url}/sso/callback")
    page.goto(f"{live_server.url}/login")
    page.get_by_role("link", name="Sign in with Banque Test").click()
    page.wait_for_url(f"{provider.url}/authorize?*")
    # A wrong password is refused on the provider's page; the right one signs in.
    page.get_by_label("Sign in as").fill("zoe")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong user name or password."
    page.get_by_label("Sign in as").fill("zoe")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    # Back on the portal, signed in, in the language of the provider's ``locale``.
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Bienvenue, Zoé" in page.locator("h1").inner_text()
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    with live_server.app.app_context(), transaction() as session:
        user = session.scalar(select(User).where(User.email == "zoe@bank.example"))
        assert user is not None and user.idp_subject == "sub-zoe"
        assert user.roles == sorted([Role.MARKETING, Role.COMPLIANCE,
                                     Role.SENIOR_COMPLIANCE])
    # The mapped roles open their screens: marketing's campaigns, compliance's queue.
    assert page.goto(f"{live_server.url}/campaigns/manage").status == 200
    assert page.goto(f"{live_server.url}/review/").status == 200
    assert page.goto(f"{live_server.url}/admin/users").status == 403
