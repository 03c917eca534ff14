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
from advisor_hub.publishing.models import (
    FailureClass,
    Post,
    PostState,
    PublicationTarget,
    TargetState,
)


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


def derived_state(states: list[TargetState]) -> PostState:
    """A scheduled post's state, from its rows' states."""
    t = TargetState
    if not states:
        return PostState.CANCELLED
    if any(s in (t.SCHEDULED, t.PUBLISHING, t.HELD) for s in states):
        return PostState.PUBLISHING if any(s in (t.PUBLISHING, t.PUBLISHED) for s in states) \
            else PostState.SCHEDULED
    if any(s == t.PUBLISHED for s in states):
        return PostState.PUBLISHED
    if any(s in (t.FAILED, t.NEEDS_CHECK) for s in states):
        return PostState.FAILED
    return PostState.CANCELLED


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
    open_ids = [p.id for p in posts if p.state.settles]
    states: defaultdict[int, list[TargetState]] = defaultdict(list)
    if open_ids:
        for post_id, state in session.execute(
                select(PublicationTarget.post_id, PublicationTarget.state)
                .where(one_of(session, PublicationTarget.post_id, open_ids))):
            states[post_id].append(state)
    for post in posts:
        if not post.state.settles:
            continue
        new = derived_state(states[post.id])
        if new != post.state:
            record(session, actor, "post.state", post, {"state": post.state}, {"state": new},
                   flush=False)
            post.state = new
    session.flush()
    return posts


def set_target_state(session: Session, target: PublicationTarget, state: TargetState, *,
                     actor: User | None = None, failure_class: FailureClass | None = None,
                     error: str | None = None, flush: bool = True) -> None:
    before = {"state": target.state}
    target.state = state
    if state.final or state.open:  # no longer claimed
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
        if target.state.open:
            set_target_state(session, target, TargetState.CANCELLED, actor=actor,
                             failure_class=FailureClass.PRECHECK if actor is None else None,
                             error=reason)
            cancelled.append(target)
    settle_posts(session, {t.post_id for t in cancelled}, actor)
    return cancelled
