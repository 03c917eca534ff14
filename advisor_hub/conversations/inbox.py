"""The advisor's inbox: clients' comments on my posts, newest first, with the post each
belongs to; one comment's thread with what was answered; unread counts for the navigation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.conversations import answers, capture
from advisor_hub.conversations.escalations import open_escalation
from advisor_hub.conversations.models import Comment, Escalation, Reply, ReplyTemplate
from advisor_hub.conversations.replies import own_comment
from advisor_hub.db import rows_changed, utcnow
from advisor_hub.networks import ADAPTERS
from advisor_hub.pagination import Page, paginate
from advisor_hub.publishing import reporting as publishing
from advisor_hub.roles import Role, require_role

PER_PAGE = 20


@dataclass(frozen=True)
class InboxRow:
    comment: Comment
    post_text: str
    post_url: str | None


def _posts(session: Session, post_ids: set[int]) -> dict[int, tuple[str, str | None]]:
    if not post_ids:
        return {}
    return {pid: (text, url) for pid, text, url in session.execute(
        publishing.post_texts(post_ids)).all()}


def inbox(session: Session, *, advisor: User, page: int = 1, unread_only: bool = False,
          per_page: int = PER_PAGE) -> Page[InboxRow]:
    """Comments by others on the advisor's posts, newest first."""
    require_role(advisor, Role.ADVISOR)
    query = select(Comment).where(Comment.advisor_id == advisor.id, Comment.own.is_(False))
    if unread_only:
        query = query.where(Comment.read_at.is_(None))
    result = paginate(session, query.order_by(Comment.created_at.desc(), Comment.id.desc()),
                      page=page, per_page=per_page)
    posts = _posts(session, {c.post_id for c in result.items})
    return Page(items=[InboxRow(c, *posts.get(c.post_id, ("", None))) for c in result.items],
                page=result.page, per_page=result.per_page, total=result.total)


def unread_count(session: Session, advisor_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Comment).where(
        Comment.advisor_id == advisor_id, Comment.own.is_(False),
        Comment.read_at.is_(None))) or 0)


@dataclass(frozen=True)
class Thread:
    comment: Comment
    post_text: str
    post_url: str | None
    parent: Comment | None
    answers_to_it: list[Comment]  # replies read on the network under this comment
    replies: list[Reply]  # what was answered through the portal
    templates: list[ReplyTemplate]
    escalation: Escalation | None
    can_hide: bool


def thread(session: Session, *, actor: User, comment_id: int,
           now: datetime | None = None) -> Thread:
    now = now or utcnow()
    comment = own_comment(session, actor, comment_id)
    post_text, post_url = _posts(session, {comment.post_id}).get(comment.post_id, ("", None))
    parent = session.scalar(select(Comment).where(
        Comment.network == comment.network,
        Comment.external_id == comment.parent_external_id)) \
        if comment.parent_external_id else None
    children = list(session.scalars(select(Comment).where(
        Comment.network == comment.network,
        Comment.parent_external_id == comment.external_id).order_by(Comment.created_at)))
    replies = list(session.scalars(select(Reply).where(Reply.comment_id == comment.id)
                                   .order_by(Reply.id)))
    return Thread(comment, post_text, post_url, parent, children, replies,
                  answers.usable_templates(session, advisor=actor, now=now),
                  open_escalation(session, comment.id),
                  ADAPTERS[comment.network].supports_hide and comment.hidden_at is None
                  and comment.deleted_at is None)


def mark_read(session: Session, *, actor: User, comment_id: int,
              now: datetime | None = None) -> None:
    comment = own_comment(session, actor, comment_id)
    if comment.read_at is None:
        comment.read_at = now or utcnow()
        session.flush()


def mark_all_read(session: Session, *, actor: User, now: datetime | None = None) -> int:
    require_role(actor, Role.ADVISOR)
    return rows_changed(session, update(Comment).where(
        Comment.advisor_id == actor.id, Comment.read_at.is_(None))
        .values(read_at=now or utcnow()).execution_options(synchronize_session=False))


@dataclass(frozen=True)
class NetworkCapture:
    network: str
    label: str
    captured: bool
    note: LazyString


NOTES = {
    "linkedin": _l("LinkedIn lets only its approved partners read comments on members' posts "
                   "(the r_member_social permission): they are not captured; answer them on "
                   "LinkedIn and keep the conversation short."),
    "x": _l("X replies are read only when the administrator turns X_CAPTURE_REPLIES on: "
            "each reply read is billed."),
    "facebook": _l("Comments on your Facebook Pages' posts are captured."),
    "sandbox": _l("Comments on your Sandbox posts are captured."),
}


def capture_status(config: Mapping[str, Any]) -> list[NetworkCapture]:
    """Which networks' comments reach the inbox, said plainly on the screen."""
    captured = set(capture.capturing_networks(config))
    return [NetworkCapture(name, str(cls.label), name in captured, NOTES[name])
            for name, cls in ADAPTERS.items()]
