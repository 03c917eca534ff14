"""The Sandbox (issue 11, point 10): offered only when the portal mounts it or it is explicitly
configured; its address derived from where it is mounted, never a fixed host:port; its pages
carry the portal's security headers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from advisor_hub import create_app
from advisor_hub.publishing.connect import adapter_for, networks_available, sandbox_base
from tests.conftest import app_config

ROOT = Path(__file__).resolve().parents[2]


def _app(tmp_path: Path, **overrides: Any) -> Flask:
    return create_app(app_config(f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path,
                                 **overrides))


def test_not_mounted_and_not_configured_it_is_offered_nowhere(tmp_path) -> None:
    app = _app(tmp_path, SANDBOX_MOUNT=False)
    assert "sandbox" not in networks_available(app.config)
    with app.test_request_context("/"):
        assert "sandbox" not in networks_available(app.config)
        adapter = adapter_for(app.config, "sandbox")
        assert not adapter.config.has_credentials  # no secret to send
        assert adapter.config.token_url is None and adapter.config.api_base is None
    assert app.test_client().get("/sandbox/oauth/authorize").status_code == 404


@pytest.mark.parametrize("mounted", [False, True])
def test_the_accounts_and_link_pages(app, client, auth, factory, mounted) -> None:
    app.config["SANDBOX_MOUNT"] = mounted
    app.config.pop("SANDBOX_API_BASE", None)  # this package's tests serve one: not here
    auth.login(factory.user("advisor"))
    page = client.get("/publishing/accounts").get_data(as_text=True)
    assert ('href="/publishing/accounts/link/sandbox"' in page) is mounted
    answer = client.get("/publishing/accounts/link/sandbox")
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert "127.0.0.1" not in location and ":5000" not in location
    if mounted:  # the Sandbox where this portal is: the request's own address
        assert location.startswith("http://localhost/sandbox/oauth/authorize?")
    else:
        assert location == "/publishing/accounts"


def test_its_address_is_where_it_is_mounted(tmp_path) -> None:
    app = _app(tmp_path, SANDBOX_MOUNT=True)
    with app.test_request_context("/x", base_url="https://portal.example/hub/"):
        assert sandbox_base(app.config) == "https://portal.example/hub/sandbox"
    assert sandbox_base(app.config) is None  # no request, no SERVER_NAME: nowhere to guess
    assert sandbox_base({**app.config, "SERVER_NAME": "portal.example",
                         "PREFERRED_URL_SCHEME": "https"}) == "https://portal.example/sandbox"
    explicit = {"SANDBOX_MOUNT": False, "SANDBOX_API_BASE": "https://sandbox.test/api"}
    assert sandbox_base(explicit) == "https://sandbox.test/api"
    assert "sandbox" in networks_available(explicit)  # explicitly configured: offered


def test_no_fixed_host_and_port_in_the_code() -> None:
    """Addresses come from the request, SERVER_NAME or a setting (make run sets its own)."""
    found = []
    for package in ("advisor_hub", "approvals", "content_library"):
        for path in (ROOT / package).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"(127\.0\.0\.1|localhost):\d+", line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, found


def test_its_pages_carry_the_portal_security_headers(tmp_path) -> None:
    app = _app(tmp_path, SANDBOX_MOUNT=True)
    client = app.test_client()
    for path in ("/sandbox/oauth/authorize", "/sandbox/"):
        headers = client.get(path, base_url="https://localhost").headers
        assert "default-src" in headers.get("Content-Security-Policy", ""), path
        assert headers.get("X-Frame-Options") == "DENY"
        assert headers.get("X-Content-Type-Options") == "nosniff"
        assert headers.get("Cache-Control") == "no-store", path
        assert headers.get("Strict-Transport-Security", "").startswith("max-age="), path
    assert "Strict-Transport-Security" not in client.get("/sandbox/oauth/authorize").headers


def test_the_composer_offers_no_sandbox_account_where_it_is_not_offered(
        app, client, auth, db_session, factory) -> None:
    from advisor_hub.publishing.models import LinkedAccount

    app.config["SANDBOX_MOUNT"] = False
    app.config.pop("SANDBOX_API_BASE", None)
    advisor = factory.user("advisor")
    account = LinkedAccount(user_id=advisor.id, network="sandbox", external_id="sb-old",
                            display_name="Old sandbox", status="active")
    db_session.add(account)
    db_session.flush()
    auth.login(advisor)
    assert "Old sandbox" not in client.get("/publishing/compose").get_data(as_text=True)
    answer = client.post("/publishing/compose", data={
        "text": "Hello", "account_ids": str(account.id), "when_mode": "now"})
    assert answer.status_code == 200  # refused: not a choice
    app.config["SANDBOX_MOUNT"] = True
    assert "Old sandbox" in client.get("/publishing/compose").get_data(as_text=True)
