"""Fixtures for single sign-on: a test OpenID provider on a loopback port, the app pointed
at it, and a helper that walks the browser's side of the flow over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from flask.testing import FlaskClient

from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, TestProvider, serve

ROLE_MAP = "advisors=advisor,mkt=marketing,compliance=compliance," \
           "legal=compliance+senior_compliance,it=admin"
SCIM_TOKEN = "scim-test-token-0123456789abcdefghijklmnop"


@pytest.fixture
def provider() -> Iterator[TestProvider]:
    provider = TestProvider()
    provider.add_user("alice", groups=["advisors"], locale="fr-FR", zoneinfo="Europe/Brussels")
    provider.add_user("bob", groups=["mkt", "legal"])
    provider.add_user("nobody", groups=["cafeteria"])
    provider.auto_login = "alice"
    running = serve(provider)
    yield provider
    running.stop()


@pytest.fixture
def sso_config(provider: TestProvider) -> dict[str, Any]:
    return {
        "OIDC_ISSUER": provider.issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_ROLE_MAP": ROLE_MAP,
        "OIDC_BRANCH_CLAIM": "branch",
        "OIDC_PROVIDER_NAME": "Banque Test",
        "SCIM_TOKEN": SCIM_TOKEN,
    }


@pytest.fixture
def app_overrides(sso_config: dict[str, Any]) -> dict[str, Any]:
    return sso_config


class BrowserFlow:
    """What a browser does: follow the app to the provider (real HTTP), approve, and bring
    the code back to the app's callback."""

    def __init__(self, client: FlaskClient, provider: TestProvider) -> None:
        self.client, self.provider = client, provider

    def authorize_url(self, next_path: str | None = None) -> str:
        query = {"next": next_path} if next_path else {}
        response = self.client.get("/sso/login", query_string=query)
        assert response.status_code == 302, response.get_data(as_text=True)
        location = response.headers["Location"]
        assert location.startswith(self.provider.url + "/authorize?")
        return location

    def approve(self, authorize_url: str, login: str | None = None) -> str:
        """The callback path and query the provider sends the browser back to: approved at
        once (``provider.auto_login``), or through its "sign in as" page as ``login``."""
        if login is None:
            response = requests.get(authorize_url, allow_redirects=False, timeout=10)
        else:
            self.provider.auto_login = None
            page = requests.get(authorize_url, timeout=10)
            assert page.status_code == 200 and "Sign in as" in page.text
            params = dict(parse_qsl(urlsplit(authorize_url).query))
            response = requests.post(f"{self.provider.url}/authorize",
                                     data={**params, "login": login},
                                     allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        parts = urlsplit(response.headers["Location"])
        return f"{parts.path}?{parts.query}"

    def sign_in(self, login: str | None = None, next_path: str | None = None) -> Any:
        if login is not None:
            self.provider.auto_login = login
        return self.client.get(self.approve(self.authorize_url(next_path)))


@pytest.fixture
def flow(client: FlaskClient, provider: TestProvider, db_session: Any) -> BrowserFlow:
    db_session.flush()
    return BrowserFlow(client, provider)
