"""Conversations fixtures: a real Sandbox over HTTP, an advisor whose Sandbox account is linked
by real OAuth, a post published there (and recorded as published in the outbox), approved
answers decided through the real approvals package."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.conversations import answers
from advisor_hub.conversations.models import ReplyTemplate
from advisor_hub.db import utcnow
from advisor_hub.networks import SandboxAdapter, TokenCipher, sandbox_config
from advisor_hub.publishing.linking import link_account
from advisor_hub.publishing.models import (
    AccountStatus,
    LinkedAccount,
    Post,
    PostSource,
    PostState,
    PublicationTarget,
    TargetState,
)
from advisor_hub.sandbox import SandboxServer
from approvals.services import decide
from tests.publishing.conftest import KEY, oauth_link


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer({"ENABLE_CONTROL": True, "ACCESS_TOKEN_TTL": 3600}) as server:
        yield server


def settings_for(sandbox_url: str, **extra: Any) -> dict[str, Any]:
    return {"TOKEN_ENCRYPTION_KEY": KEY, "SANDBOX_API_BASE": sandbox_url,
            "SANDBOX_READ_TIMEOUT": 2, "SANDBOX_CONNECT_TIMEOUT": 1, **extra}


@pytest.fixture
def app_overrides(sandbox: SandboxServer) -> dict[str, Any]:
    return settings_for(sandbox.url)


@dataclass
class Published:
    advisor: User
    account: LinkedAccount
    post: Post
    target: PublicationTarget
    network_post_id: str


def publish_on_sandbox(session: Session, sandbox_url: str, advisor: User,
                       login: str = "alice", text: str = "Our savings rates for 2027") -> Published:
    """Link the advisor's Sandbox account (real OAuth), publish a post there, and record it as
    the dispatcher would have."""
    profile, tokens = oauth_link(sandbox_url, login)
    account = link_account(session, user=advisor, network="sandbox",
                           account=profile.accounts[0], tokens=tokens, cipher=TokenCipher(KEY))
    account.status = AccountStatus.ACTIVE
    adapter = SandboxAdapter(sandbox_config(sandbox_url))
    result = adapter.publish(tokens, account.external_id, text, None, f"key-{advisor.id}-{text}")
    post = Post(author_id=advisor.id, branch_id=advisor.branch_id, source=PostSource.FREE_FORM,
                text=text, body=text, account_ids=[account.id], state=PostState.PUBLISHED)
    session.add(post)
    session.flush()
    target = PublicationTarget(
        post_id=post.id, account_id=account.id, network="sandbox", text=text,
        state=TargetState.PUBLISHED, idempotency_key=f"k-{post.id}", content_hash="0" * 64,
        network_post_id=result.post_id, network_post_url=result.post_url,
        published_at=utcnow() - timedelta(minutes=5))
    session.add(target)
    session.flush()
    return Published(advisor, account, post, target, result.post_id)


def client_comments(sandbox_url: str, post_id: str, message: str, name: str = "Claire Petit",
                    parent_id: str | None = None) -> None:
    """A client comments through the Sandbox's client view (its HTML form, over HTTP)."""
    data = {"name": name, "message": message}
    if parent_id:
        data["parent_id"] = parent_id
    response = requests.post(f"{sandbox_url}/posts/{post_id}/comments", data=data,
                             allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text


@pytest.fixture
def advisor(factory: Any) -> User:
    return factory.user("advisor", branch=factory.branch("Lyon Bellecour", city="Lyon"),
                        first_name="Alice")


@pytest.fixture
def published(db_session: Session, sandbox: SandboxServer, advisor: User) -> Published:
    return publish_on_sandbox(db_session, sandbox.url, advisor)


def approved_answer(session: Session, factory: Any, *, title: str = "Rates question",
                    text: str = "Thank you! {advisor_first_name} from {branch_name} will call "
                                "you: please call your branch.",
                    private_contact: bool = False) -> ReplyTemplate:
    marketing = factory.user("marketing")
    compliance = factory.user("compliance")
    template = answers.create_template(session, actor=marketing, title=title, text=text,
                                       language="en", private_contact=private_contact)
    answers.submit_template(session, actor=marketing, template_id=template.id)
    assert template.review_id is not None
    decide(session, review_id=template.review_id, actor=compliance, decision="approve")
    session.flush()
    return template
