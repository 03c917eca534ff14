"""Rows for connector tests, built directly (no composer, no review): linked accounts and
scheduled outbox rows."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.networks import TokenCipher, TokenSet
from advisor_hub.publishing.models import LinkedAccount, Post, PublicationTarget
from tests.conftest import TEST_TOKEN_KEY, Factory

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
_seq = itertools.count(1)


@dataclass
class Outbox:
    session: Session
    factory: Factory

    def account(self, user: User, network: str = "linkedin", *, status: str = "active",
                refresh_token: str | None = "refresh", expires_in: timedelta | None = None,
                created_at: datetime = NOW, name: str | None = None) -> LinkedAccount:
        tokens = TokenSet(access_token="access", refresh_token=refresh_token,
                          expires_at=created_at + (expires_in or timedelta(days=60)))
        n = next(_seq)
        account = LinkedAccount(
            user_id=user.id, network=network, external_id=f"{network}-{n}",
            display_name=name or f"{network} account {n}", status=status,
            token_ciphertext=TokenCipher(TEST_TOKEN_KEY).encrypt_tokens(tokens),
            token_expires_at=tokens.expires_at, created_at=created_at)
        self.session.add(account)
        self.session.flush()
        return account

    def row(self, account: LinkedAccount, due_at: datetime, *, text: str = "Hello",
            link_url: str | None = None, state: str = "scheduled") -> PublicationTarget:
        post = Post(author_id=account.user_id, source="free_form", text=text, body=text,
                    account_ids=[account.id], state="scheduled", link_url=link_url,
                    scheduled_at=due_at)
        self.session.add(post)
        self.session.flush()
        target = PublicationTarget(post_id=post.id, account_id=account.id,
                                   network=account.network, text=text, state=state,
                                   due_at=due_at, idempotency_key=uuid.uuid4().hex,
                                   content_hash="0" * 64)
        self.session.add(target)
        self.session.flush()
        return target


@pytest.fixture
def outbox(db_session: Session, factory: Factory) -> Outbox:
    return Outbox(db_session, factory)


@pytest.fixture
def config() -> dict[str, Any]:
    return {"TOKEN_ENCRYPTION_KEY": TEST_TOKEN_KEY}
