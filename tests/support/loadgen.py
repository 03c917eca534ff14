"""Fill a database with due outbox rows for the exactly-once tests and the benchmark.

Links ``accounts`` Sandbox accounts over real OAuth, then bulk-inserts ``rows`` approved,
due posts spread over them (unique texts, so nothing is a duplicate by content). Each post has
a real standing approval in the approvals tables, decided by a seeded compliance user, so the
dispatcher's publish-time re-check runs against the real approvals package.

Test and benchmark support only: it writes straight into the approvals package's tables.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

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
from advisor_hub.publishing.composer import KIND
from advisor_hub.publishing.models import (
    AccountStatus,
    LinkedAccount,
    Post,
    PostSource,
    PostState,
    PublicationTarget,
    TargetState,
)
from advisor_hub.publishing.tokens import store_tokens
from advisor_hub.roles import Role
from approvals.models import ReviewDecision, ReviewRequest
from approvals.rules import current_version_number
from approvals.services import expiry_days

CALLBACK = "http://127.0.0.1:9/publishing/accounts/callback/sandbox"
NETWORK = "sandbox"


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
                                status=AccountStatus.ACTIVE)
        store_tokens(account, tokens, cipher)
        session.add(account)
        linked.append(account)
    session.flush()
    return linked


def _user(session: Session, email: str, first_name: str, role: Role) -> User:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = accounts_services.create_user(
            session, actor=None, email=email, first_name=first_name, last_name="Test",
            password=uuid.uuid4().hex, roles=(str(role),), branch_id=None)
    return user


def _approve(session: Session, *, author: User, reviewer: User,
             posts: list[dict[str, Any]]) -> list[int]:
    """Insert one approved, unused review of kind "post" per post row, as ``decide`` leaves
    it (and its decision), in bulk; returns the review ids in the order of ``posts``."""
    now = utcnow()
    lexicon_version = current_version_number(session)
    reviews = [{
        "kind": KIND, "subject_id": post["id"], "author_id": author.id,
        "branch_id": author.branch_id, "networks": [NETWORK], "category": None,
        "status": "approved", "escalation_level": 0, "findings": [], "findings_count": 0,
        "blocking_count": 0, "title": None, "text": post["text"], "link_url": None,
        "media_sha256": None, "media_url": None, "content_hash": content_hash(post["text"]),
        "submitted_at": now, "decided_at": now, "decided_by_id": reviewer.id,
        "lexicon_version": lexicon_version, "expires_at": now + timedelta(days=expiry_days()),
        "used_at": None, "version": 2,
    } for post in posts]
    review_ids = list(session.scalars(
        insert(ReviewRequest).returning(ReviewRequest.id, sort_by_parameter_order=True),
        reviews))
    session.execute(insert(ReviewDecision), [
        {"review_id": review_id, "decision": "approved", "actor_id": reviewer.id,
         "content_hash": review["content_hash"], "lexicon_version": lexicon_version, "at": now}
        for review_id, review in zip(review_ids, reviews, strict=True)])
    return review_ids


def seed_due_rows(session: Session, *, sandbox_url: str, key: str, rows: int,
                  accounts: int = 10) -> None:
    """Commit ``rows`` due outbox rows, ``accounts`` linked accounts of one advisor, and for
    each post a standing approval (approved by a seeded compliance user, expiring in
    ``REVIEW_EXPIRY_DAYS``) of exactly the text it carries."""
    user = _user(session, "load@example.com", "Load", Role.ADVISOR)
    reviewer = _user(session, "load.compliance@example.com", "Compliance", Role.COMPLIANCE)
    linked = link_sandbox_accounts(session, user, sandbox_url, key, accounts)
    now = utcnow()
    per_account = -(-rows // accounts)
    post_rows, target_rows = [], []
    first_id = (session.scalar(select(Post.id).order_by(Post.id.desc()).limit(1)) or 0) + 1
    for i in range(per_account):
        text = f"Load post {uuid.uuid4().hex[:8]} #{i}"
        post_rows.append({"id": first_id + i, "author_id": user.id, "source": PostSource.FREE_FORM,
                          "text": text, "body": text, "account_ids": [],
                          "state": PostState.SCHEDULED, "scheduled_at": now, "publish_now": True,
                          "created_at": now, "updated_at": now})
    review_ids = _approve(session, author=user, reviewer=reviewer, posts=post_rows)
    for post, review_id in zip(post_rows, review_ids, strict=True):
        post["review_id"] = review_id
    # Account by account, so that neighbouring rows (one claim batch) belong to different
    # posts, as in real traffic (a post goes to one or a few accounts).
    for account in linked:
        for post in post_rows:
            if len(target_rows) >= rows:
                break
            target_rows.append({
                "post_id": post["id"], "account_id": account.id, "network": NETWORK,
                "text": post["text"], "state": TargetState.SCHEDULED, "due_at": now, "attempts": 0,
                "idempotency_key": uuid.uuid4().hex, "content_hash": content_hash(post["text"]),
                "review_id": post["review_id"], "resent_for_reconcile": False,
                "created_at": now, "updated_at": now})
    session.execute(insert(Post), post_rows)
    for start in range(0, len(target_rows), 1000):
        session.execute(insert(PublicationTarget), target_rows[start:start + 1000])
    session.commit()
