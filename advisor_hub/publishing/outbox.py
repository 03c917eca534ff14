"""Outbox row state changes shared by the composer, linking and the dispatcher.

Every change here writes an audit event; the post's own state follows its rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.db import one_of
from advisor_hub.publishing import models as m
from advisor_hub.publishing.models import Post, PublicationTarget

_FINAL = (m.PUBLISHED, m.FAILED, m.CANCELLED, m.NEEDS_CHECK)


def lock_posts(session: Session, post_ids: Iterable[int]) -> list[Post]:
    """Re-read posts under their row locks (PostgreSQL), in id order so that two batches
    never wait for each other in a cycle; concurrent row updates of one post then settle
    its state one at a time."""
    post_ids = sorted(set(post_ids))
    if not post_ids:
        return []
    query = (select(Post).where(one_of(session, Post.id, post_ids)).order_by(Post.id)
             .execution_options(populate_existing=True))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Post)
    return list(session.scalars(query))


def derived_state(states: list[str]) -> str:
    if not states:
        return m.CANCELLED
    if any(s in (m.SCHEDULED, m.PUBLISHING, m.HELD) for s in states):
        return m.PUBLISHING if any(s in (m.PUBLISHING, m.PUBLISHED) for s in states) \
            else m.SCHEDULED
    if any(s == m.PUBLISHED for s in states):
        return m.PUBLISHED
    if any(s in (m.FAILED, m.NEEDS_CHECK) for s in states):
        return m.FAILED
    return m.CANCELLED


def settle_post(session: Session, post_id: int, actor: User | None = None) -> Post:
    """Bring a scheduled/publishing post's state in line with its rows."""
    return settle_posts(session, [post_id], actor)[0]


def settle_posts(session: Session, post_ids: Iterable[int], actor: User | None = None, *,
                 locked: Iterable[Post] = ()) -> list[Post]:
    """``settle_post`` for many posts: their locks in id order, their rows in one query.

    ``locked``: posts ``lock_posts`` returned earlier in this same transaction (not re-read).
    """
    wanted = set(post_ids)
    have = {p.id: p for p in locked if p.id in wanted and p in session}
    posts = sorted([*have.values(), *lock_posts(session, wanted - have.keys())],
                   key=lambda p: p.id) if wanted - have.keys() else list(have.values())
    open_ids = [p.id for p in posts if p.state in (m.SCHEDULED, m.PUBLISHING)]
    states: defaultdict[int, list[str]] = defaultdict(list)
    if open_ids:
        for post_id, state in session.execute(
                select(PublicationTarget.post_id, PublicationTarget.state)
                .where(one_of(session, PublicationTarget.post_id, open_ids))):
            states[post_id].append(state)
    for post in posts:
        if post.state not in (m.SCHEDULED, m.PUBLISHING):
            continue
        new = derived_state(states[post.id])
        if new != post.state:
            record(session, actor, "post.state", post, {"state": post.state}, {"state": new},
                   flush=False)
            post.state = new
    session.flush()
    return posts


def set_target_state(session: Session, target: PublicationTarget, state: str, *,
                     actor: User | None = None, failure_class: str | None = None,
                     error: str | None = None, flush: bool = True) -> None:
    before = {"state": target.state}
    target.state = state
    if state in _FINAL or state in (m.SCHEDULED, m.HELD):
        target.lease_expires_at = None
        target.claimed_by = None
    if failure_class is not None:
        target.failure_class = failure_class
    if error is not None:
        target.last_error = error[:2000]
    record(session, actor, f"publication.{state}", target, before,
           {"state": state, "failure_class": failure_class, "error": error}, flush=flush)
    if flush:
        session.flush()


def cancel_open_targets(session: Session, targets: list[PublicationTarget], *,
                        actor: User | None, reason: str) -> list[PublicationTarget]:
    """Cancel the rows that may still go out; returns those cancelled."""
    cancelled = []
    for target in targets:
        if target.state in m.OPEN_TARGET_STATES:
            set_target_state(session, target, m.CANCELLED, actor=actor,
                             failure_class=m.PRECHECK if actor is None else None, error=reason)
            cancelled.append(target)
    settle_posts(session, {t.post_id for t in cancelled}, actor)
    return cancelled
