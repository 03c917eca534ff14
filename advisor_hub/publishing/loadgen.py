"""Fill a database with due outbox rows for the exactly-once tests and the benchmark.

Links ``accounts`` Sandbox accounts over real OAuth, then bulk-inserts ``rows`` approved,
due posts spread over them (unique texts, so nothing is a duplicate by content).
"""

from __future__ import annotations

import uuid

import requests
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from advisor_hub.accounts import services as accounts_services
from advisor_hub.accounts.models import User
from advisor_hub.content_hash import content_hash
from advisor_hub.db import utcnow
from advisor_hub.networks import (
    SandboxAdapter,
    TokenCipher,
    new_code_verifier,
    new_state,
    sandbox_config,
)
from advisor_hub.publishing import models as m
from advisor_hub.publishing.models import LinkedAccount, Post, PublicationTarget
from advisor_hub.publishing.tokens import store_tokens

CALLBACK = "http://127.0.0.1:9/publishing/accounts/callback/sandbox"
REVIEW_BASE = 5_000_000


def link_sandbox_accounts(session: Session, user: User, sandbox_url: str, key: str,
                          count: int) -> list[LinkedAccount]:
    adapter = SandboxAdapter(sandbox_config(sandbox_url, redirect_uri=CALLBACK))
    cipher = TokenCipher(key)
    linked = []
    for n in range(count):
        state, verifier = new_state(), new_code_verifier()
        url = adapter.authorization_url(state, verifier) + f"&auto=1&login=load{n}"
        callback = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
        tokens = adapter.complete_authorization(callback, state, verifier)
        profile = adapter.fetch_profile(tokens)
        account = LinkedAccount(user_id=user.id, network="sandbox",
                                external_id=profile.external_id, display_name=profile.name,
                                status=m.ACTIVE)
        store_tokens(account, tokens, cipher)
        session.add(account)
        linked.append(account)
    session.flush()
    return linked


def seed_due_rows(session: Session, *, sandbox_url: str, key: str, rows: int,
                  accounts: int = 10) -> None:
    """Commit ``rows`` due outbox rows. Approvals are faked by review id (see the tests'
    trusting upstream): review id = REVIEW_BASE + post number."""
    user = session.scalar(select(User).where(User.email == "load@example.com"))
    if user is None:
        user = accounts_services.create_user(
            session, actor=None, email="load@example.com", first_name="Load", last_name="Test",
            password=uuid.uuid4().hex, roles=("advisor",), branch_id=None)
    linked = link_sandbox_accounts(session, user, sandbox_url, key, accounts)
    now = utcnow()
    per_account = -(-rows // accounts)
    post_rows, target_rows = [], []
    first_id = (session.scalar(select(Post.id).order_by(Post.id.desc()).limit(1)) or 0) + 1
    texts = []
    for i in range(per_account):
        text = f"Load post {uuid.uuid4().hex[:8]} #{i}"
        texts.append(text)
        post_rows.append({"id": first_id + i, "author_id": user.id, "source": "free_form",
                          "text": text, "body": text, "account_ids": [], "state": m.SCHEDULED,
                          "review_id": REVIEW_BASE + first_id + i, "scheduled_at": now,
                          "publish_now": True, "created_at": now, "updated_at": now})
    # Account by account, so that neighbouring rows (one claim batch) belong to different
    # posts, as in real traffic (a post goes to one or a few accounts).
    for account in linked:
        for i, text in enumerate(texts):
            if len(target_rows) >= rows:
                break
            target_rows.append({
                "post_id": first_id + i, "account_id": account.id, "network": "sandbox",
                "text": text, "state": m.SCHEDULED, "due_at": now, "attempts": 0,
                "idempotency_key": uuid.uuid4().hex, "content_hash": content_hash(text),
                "review_id": REVIEW_BASE + first_id + i, "resent_for_reconcile": False,
                "created_at": now, "updated_at": now})
    session.execute(insert(Post), post_rows)
    for start in range(0, len(target_rows), 1000):
        session.execute(insert(PublicationTarget), target_rows[start:start + 1000])
    session.commit()
