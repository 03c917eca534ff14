"""Queries on linked accounts, posts and outbox rows that reports compose (the dashboard,
the archive): ``Select``s built on this package's models. Which states count as
"active", "published" or "failed" is decided here, in one place."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select

from advisor_hub.publishing.models import (
    AccountStatus,
    LinkedAccount,
    Post,
    PostSource,
    PostState,
    PublicationTarget,
    TargetState,
)

POST_SOURCES = tuple(PostSource)


def users_with_active_account() -> Select[int]:
    """Users with at least one active linked account, one row each: (user_id)."""
    return (select(LinkedAccount.user_id.label("user_id"))
            .where(LinkedAccount.status == AccountStatus.ACTIVE).distinct())


def last_post_by_author() -> Select[int, int, PostState, datetime]:
    """Every author's newest post (any state), one row each: (author_id, post_id, state,
    created_at). Post ids grow with time, so the newest is the highest id of the author."""
    newest = (select(Post.author_id.label("author_id"), func.max(Post.id).label("post_id"))
              .group_by(Post.author_id).subquery())
    return (select(newest.c.author_id, Post.id.label("post_id"), Post.state.label("state"),
                   Post.created_at.label("created_at"))
            .join(Post, Post.id == newest.c.post_id))


def last_publication_by_author(start: datetime | None = None, end: datetime | None = None
                               ) -> Select[int, datetime | None]:
    """Authors with a publication in [start, end), with their latest publication time:
    (author_id, last). One pass over the published outbox rows, grouped: no per-advisor
    subquery."""
    conditions: list[Any] = [PublicationTarget.state == TargetState.PUBLISHED]
    if start is not None:
        conditions.append(PublicationTarget.published_at >= start)
    if end is not None:
        conditions.append(PublicationTarget.published_at < end)
    return (select(Post.author_id.label("author_id"),
                   func.max(PublicationTarget.published_at).label("last"))
            .select_from(PublicationTarget)
            .join(Post, Post.id == PublicationTarget.post_id)
            .where(*conditions).group_by(Post.author_id))


def composed_posts(start: datetime, end: datetime, branch_id: int | None = None
                   ) -> Select[int | None, str, int]:
    """Posts composed in [start, end), drafts left aside: (branch_id, source, published),
    ``published`` 1 for a published post, else 0."""
    conditions = [Post.created_at >= start, Post.created_at < end, Post.state != PostState.DRAFT]
    if branch_id is not None:
        conditions.append(Post.branch_id == branch_id)
    return select(Post.branch_id, Post.source,
                  case((Post.state == PostState.PUBLISHED, 1), else_=0).label("published")
                  ).where(*conditions)


def failed_targets(start: datetime, end: datetime, branch_id: int | None = None
                   ) -> Select[str, str | None]:
    """Outbox rows that failed or were cancelled by the publish-time check, dated by when
    they were due (else created) in [start, end): (network, failure_class)."""
    when = func.coalesce(PublicationTarget.due_at, PublicationTarget.created_at)
    conditions = [PublicationTarget.state.in_((TargetState.FAILED, TargetState.CANCELLED)),
                  PublicationTarget.failure_class.is_not(None), when >= start, when < end]
    query = select(PublicationTarget.network, PublicationTarget.failure_class)
    if branch_id is not None:
        query = query.join(Post, Post.id == PublicationTarget.post_id)
        conditions.append(Post.branch_id == branch_id)
    return query.where(*conditions)


def post_subject(post_id: int) -> tuple[str, int]:
    """The audit subject of a post (what its audit trail is recorded under)."""
    return Post.__tablename__, post_id


def target_subject(target_id: int) -> tuple[str, int]:
    """The audit subject of an outbox row."""
    return PublicationTarget.__tablename__, target_id


def library_versions_in_use(author_id: int) -> Select[int | None]:
    """The library versions of the author's posts that are out or on their way (scheduled,
    publishing, published): (library_version_id), distinct."""
    return (select(Post.library_version_id).distinct()
            .where(Post.author_id == author_id, Post.library_version_id.is_not(None),
                   Post.state.in_((PostState.SCHEDULED, PostState.PUBLISHING,
                                   PostState.PUBLISHED))))


def post_states(post_ids: list[int]) -> Select[int, PostState]:
    """The state of each of these posts: (id, state)."""
    return select(Post.id, Post.state).where(Post.id.in_(post_ids))


def author_targets(author_id: int, start: datetime, end: datetime
                   ) -> Select[int, int, str, TargetState, datetime | None, str | None]:
    """The author's outbox rows due or published in [start, end): (post_id, account_id,
    network, state, when, network_post_url), ``when`` the publication time once published,
    else the due time."""
    when = func.coalesce(PublicationTarget.published_at, PublicationTarget.due_at)
    return (select(PublicationTarget.post_id, PublicationTarget.account_id,
                   PublicationTarget.network, PublicationTarget.state, when.label("when"),
                   PublicationTarget.network_post_url)
            .join(Post, Post.id == PublicationTarget.post_id)
            .where(Post.author_id == author_id, when >= start, when < end)
            .order_by(when, PublicationTarget.id))


def post_approvals(post_ids: list[int]) -> Select[int, int | None]:
    """The approval (review id) of each of these posts: (id, review_id)."""
    return select(Post.id, Post.review_id).where(Post.id.in_(post_ids))


def published_on_networks(
        networks: Iterable[str], since: datetime,
) -> Select[int, int, int, str, str | None, datetime | None, int, int | None]:
    """Outbox rows published since ``since`` on ``networks``, through an account still active
    (the conversations capture reads their comments): (target_id, post_id, account_id,
    network, network_post_id, published_at, author_id, branch_id), oldest first."""
    return (select(PublicationTarget.id.label("target_id"), PublicationTarget.post_id,
                   PublicationTarget.account_id, PublicationTarget.network,
                   PublicationTarget.network_post_id, PublicationTarget.published_at,
                   Post.author_id, Post.branch_id)
            .join(Post, Post.id == PublicationTarget.post_id)
            .join(LinkedAccount, LinkedAccount.id == PublicationTarget.account_id)
            .where(PublicationTarget.state == TargetState.PUBLISHED,
                   PublicationTarget.network.in_(list(networks)),
                   PublicationTarget.network_post_id.is_not(None),
                   PublicationTarget.published_at >= since,
                   LinkedAccount.status == AccountStatus.ACTIVE)
            .order_by(PublicationTarget.published_at, PublicationTarget.id))


def post_texts(post_ids: Iterable[int]) -> Select[int, str, str | None]:
    """(post_id, text, network_post_url of its first published row) for the given posts."""
    url = (select(PublicationTarget.network_post_url)
           .where(PublicationTarget.post_id == Post.id,
                  PublicationTarget.state == TargetState.PUBLISHED)
           .order_by(PublicationTarget.id).limit(1).scalar_subquery())
    return select(Post.id, Post.text, url.label("url")).where(Post.id.in_(list(post_ids)))
