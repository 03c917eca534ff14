"""What the demo bank lacks for the screen checks: an advisor with posts in every state,
long texts, long links and a long account name (what widens a phone page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from advisor_hub.accounts import services as accounts
from advisor_hub.notifications.services import notify
from advisor_hub.publishing.models import LinkedAccount, Post, PublicationTarget

LONG_URL = "https://www.example-bank.fr/particuliers/epargne/livret-a-et-ldds-conditions-" \
           "generales-2026?utm_source=advisor_hub&utm_medium=social&utm_campaign=savings_week"


def seed_posts(session: Session, email: str = "alice.advisor@demo.bank") -> list[int]:
    """Posts of every state for ``email``; returns their ids."""
    user = accounts.find_user_by_email(session, email)
    assert user is not None
    account = LinkedAccount(user_id=user.id, network="sandbox", external_id="sb-screens",
                            display_name="Alice Martin — Conseillère patrimoniale Lyon Bellecour",
                            status="active")
    session.add(account)
    session.flush()
    now = datetime.now(UTC)
    ids = []
    for n, (state, target_state) in enumerate((
            ("published", "published"), ("scheduled", "scheduled"), ("failed", "failed"),
            ("pending_review", None), ("draft", None))):
        text = (f"Post {n}: Épargne de précaution — pourquoi le Livret A reste utile en 2026 "
                f"pour constituer une réserve disponible à tout moment. {LONG_URL}")
        post = Post(author_id=user.id, source="free_form", text=text, body=text,
                    account_ids=[account.id], state=state, link_url=LONG_URL,
                    scheduled_at=now + timedelta(days=3))
        session.add(post)
        session.flush()
        if target_state:
            session.add(PublicationTarget(
                post_id=post.id, account_id=account.id, network="sandbox", text=text,
                state=target_state, idempotency_key=f"screens-{post.id}",
                content_hash="0" * 64, due_at=now + timedelta(days=3),
                network_post_url=f"{LONG_URL}&post={post.id}" if state == "published" else None,
                last_error="The network refused the post." if state == "failed" else None))
        ids.append(post.id)
    for n in range(2):  # unread: the amber rows and the menu's count
        notify(session, user, "Compliance decided not to answer the comment you escalated: "
               "%(decision)s", {"decision": f"already answered ({n})"},
               url=f"/publishing/posts/{ids[0]}")
    session.flush()
    return ids
