"""Publishing fixtures: fakes behind the upstream seam, a real Sandbox server, linked accounts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.db import database
from advisor_hub.features import PUBLISHING
from advisor_hub.networks import (
    SandboxAdapter,
    TokenCipher,
    generate_key,
    new_code_verifier,
    new_state,
    sandbox_config,
)
from advisor_hub.publishing import upstream
from advisor_hub.publishing.dispatch import Dispatcher
from advisor_hub.publishing.linking import link_account
from advisor_hub.publishing.models import LinkedAccount
from advisor_hub.sandbox import SandboxServer
from tests.publishing.fakes import FakeApprovals, FakeLibrary

KEY = generate_key()
CALLBACK = "http://127.0.0.1:9/publishing/accounts/callback/sandbox"


@dataclass
class Fakes:
    approvals: FakeApprovals
    library: FakeLibrary


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Fakes:
    approvals, library = FakeApprovals(), FakeLibrary()
    monkeypatch.setattr(upstream, "approvals_api", lambda: approvals)
    monkeypatch.setattr(upstream, "library_api", lambda: library)
    for subject in PUBLISHING.review_subjects:
        approvals.register_subject(subject.kind, subject_type=subject.subject_type,
                                   on_decision=subject.on_decision, editors=subject.editors)
    return Fakes(approvals, library)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer({"ENABLE_CONTROL": True}) as server:
        yield server


def settings_for(sandbox_url: str, **extra: Any) -> dict[str, Any]:
    return {"TOKEN_ENCRYPTION_KEY": KEY, "SANDBOX_API_BASE": sandbox_url,
            "SANDBOX_READ_TIMEOUT": 2, "SANDBOX_CONNECT_TIMEOUT": 1,
            "DISPATCH_WORKERS": 1, "DISPATCH_RECONCILE_DELAY_SECONDS": 0,
            "DISPATCH_BACKOFF_SECONDS": 10, "DISPATCH_MAX_ATTEMPTS": 4, **extra}


@pytest.fixture
def app_overrides(sandbox: SandboxServer) -> dict[str, Any]:
    return settings_for(sandbox.url)


def sandbox_adapter(url: str) -> SandboxAdapter:
    return SandboxAdapter(sandbox_config(url, redirect_uri=CALLBACK, read_timeout=2.0))


def oauth_link(url: str, login: str = "alice") -> Any:
    """Real OAuth (authorization code + PKCE) against the Sandbox; returns (profile, tokens)."""
    adapter = sandbox_adapter(url)
    state, verifier = new_state(), new_code_verifier()
    response = requests.get(adapter.authorization_url(state, verifier) + f"&auto=1&login={login}",
                            allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    tokens = adapter.complete_authorization(response.headers["Location"], state, verifier)
    return adapter.fetch_profile(tokens), tokens


@pytest.fixture
def link(db_session: Session, sandbox: SandboxServer, fakes: Fakes) -> Any:
    def make(advisor: User, login: str = "alice", approve: bool = True) -> LinkedAccount:
        profile, tokens = oauth_link(sandbox.url, login)
        account = link_account(db_session, user=advisor, network="sandbox",
                               account=profile.accounts[0], tokens=tokens,
                               cipher=TokenCipher(KEY))
        if approve:
            fakes.approvals.decide(db_session, account.review_id, "approved")
        db_session.flush()
        return account

    return make


@pytest.fixture
def dispatcher(app: Flask) -> Iterator[Dispatcher]:
    d = Dispatcher(database(app).sessionmaker, app.config)
    yield d
    d.close()


@pytest.fixture
def advisor(factory: Any) -> User:
    return factory.user("advisor", branch=factory.branch(city="Lyon"), first_name="Alice")
