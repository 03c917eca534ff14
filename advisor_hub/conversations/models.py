"""Conversations: clients' comments captured on published posts, the advisors' replies, the
approved reply templates, escalations, and a capture cursor per published post.

Each lifecycle is one StrEnum stored as its value. References to other packages' rows (posts,
outbox rows, linked accounts, reviews) are plain integer ids, as in publishing: packages talk
through services and this package's migration branch stays its own.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from advisor_hub.accounts.models import User
from advisor_hub.db import Base, utcnow
from approvals.models import stored_by_value
from content_library.models import Status


class _Labelled(enum.StrEnum):
    @property
    def label(self) -> LazyString:
        return _LABELS[self.value]


class ReplyState(_Labelled):
    """One reply of an advisor to a comment."""

    PENDING_REVIEW = "pending_review"  # in compliance's queue before it may go out
    QUEUED = "queued"  # approved: waiting to be sent (at once, or by the delivery job)
    SENDING = "sending"  # claimed by one sender
    SENT = "sent"
    REJECTED = "rejected"  # compliance said no (or asked for changes)
    FAILED = "failed"  # the network refused it, or it may have gone out (see ``error``)

    @property
    def final(self) -> bool:
        return self in (ReplyState.SENT, ReplyState.REJECTED, ReplyState.FAILED)


class ReplySource(_Labelled):
    TEMPLATE = "template"  # an approved answer, in one click
    FREE_FORM = "free_form"


class EscalationLevel(_Labelled):
    COMPLIANCE = "compliance"
    LEGAL = "legal"  # the senior compliance / legal reviewer


class EscalationState(_Labelled):
    OPEN = "open"
    ANSWERED = "answered"  # ended with an answer sent through the portal
    CLOSED = "closed"  # ended with a recorded decision not to answer

    @property
    def is_open(self) -> bool:
        return self is EscalationState.OPEN


class EscalationReason(_Labelled):
    COMPLAINT = "complaint"
    OFF_SCRIPT = "off_script"
    LEGAL_THREAT = "legal_threat"
    SENSITIVE = "sensitive"
    OTHER = "other"


_LABELS: dict[str, LazyString] = {
    "pending_review": _l("In review"), "queued": _l("Being sent"), "sending": _l("Being sent"),
    "sent": _l("Sent"), "rejected": _l("Rejected"), "failed": _l("Failed"),
    "template": _l("Approved answer"), "free_form": _l("Free-form"),
    "compliance": _l("Compliance"), "legal": _l("Senior / legal"),
    "open": _l("Open"), "answered": _l("Answered"), "closed": _l("Closed without answer"),
    "complaint": _l("Complaint"), "off_script": _l("Off-script question"),
    "legal_threat": _l("Legal threat"), "sensitive": _l("Sensitive data"),
    "other": _l("Other"),
}


STATE_LABELS = _LABELS  # every lifecycle state of this package (advisor_hub.labels)


def _stored(enum_type: type[enum.StrEnum]) -> Enum:
    return stored_by_value(enum_type, 20)


class CaptureCursor(Base):
    """Where the capture of one published post (one outbox row) stands: survives restarts."""

    __tablename__ = "conversation_cursors"

    target_id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(20))
    # The adapter's opaque cursor: a time (Graph API) or the newest reply id (X).
    cursor: Mapped[str | None] = mapped_column(String(200))
    last_run_at: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    comments_seen: Mapped[int] = mapped_column(default=0)
    # When the last full listing checked for comments deleted on the network.
    swept_at: Mapped[datetime | None]


class Comment(Base):
    """A comment or reply read on the network; stored once per (network, external id)."""

    __tablename__ = "conversation_comments"
    __table_args__ = (
        UniqueConstraint("network", "external_id"),
        Index("ix_conversation_comments_advisor_created", "advisor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    parent_external_id: Mapped[str | None] = mapped_column(String(200))
    post_id: Mapped[int] = mapped_column(index=True)
    target_id: Mapped[int] = mapped_column(index=True)
    account_id: Mapped[int]
    network_post_id: Mapped[str] = mapped_column(String(200))
    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    branch_id: Mapped[int | None]
    author_external_id: Mapped[str | None] = mapped_column(String(200))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]  # on the network
    captured_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Written by the advisor's own account (their replies read back): not in the inbox.
    own: Mapped[bool] = mapped_column(default=False)
    read_at: Mapped[datetime | None]
    first_answer_at: Mapped[datetime | None]
    # The PII rules found in it ("pii:iban", ...): an alert to the advisor.
    sensitive: Mapped[list[str]] = mapped_column(JSON, default=list)
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None]  # gone from the network (the archive keeps it)
    complaint: Mapped[bool] = mapped_column(default=False)
    archive_record_id: Mapped[int | None]

    advisor: Mapped[User] = relationship(foreign_keys=[advisor_id])

    @property
    def unread(self) -> bool:
        return self.read_at is None

    @property
    def is_reply(self) -> bool:
        return self.parent_external_id is not None


class ReplyTemplate(Base):
    """An approved answer to a recurring question: one row per version (``lineage_id`` groups
    them), with the library's lifecycle (``content_library.models.Status``) and a validity."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    lineage_id: Mapped[int | None] = mapped_column(index=True)
    number: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    # The answer offered when a client posts sensitive data ("please contact us privately").
    private_contact: Mapped[bool] = mapped_column(default=False)
    status: Mapped[Status] = mapped_column(stored_by_value(Status, 32), default=Status.DRAFT)
    review_id: Mapped[int | None] = mapped_column(index=True)
    available_from: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]

    @validates("status")
    def _status(self, _key: str, value: str) -> Status:
        return Status(value)

    def valid_at(self, now: datetime) -> bool:
        return (self.status == Status.APPROVED and self.retired_at is None
                and (self.available_from is None or self.available_from <= now)
                and (self.expires_at is None or self.expires_at > now))


class Reply(Base):
    """What an advisor answered to a comment, and what became of it."""

    __tablename__ = "conversation_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("conversation_comments.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    source: Mapped[ReplySource] = mapped_column(_stored(ReplySource))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("reply_templates.id"))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[ReplyState] = mapped_column(_stored(ReplyState), index=True)
    findings_count: Mapped[int] = mapped_column(default=0)
    review_id: Mapped[int | None] = mapped_column(index=True)  # pre-review, or the basis
    sample_review_id: Mapped[int | None]  # sampled for review after it went out
    escalation_id: Mapped[int | None]  # the answer that ended an escalation
    external_id: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(default=0)
    lease_expires_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    comment: Mapped[Comment] = relationship()
    author: Mapped[User] = relationship()

    @validates("state")
    def _state(self, _key: str, value: str) -> ReplyState:
        return ReplyState(value)


class Escalation(Base):
    """A comment passed from the advisor to compliance, and maybe on to senior/legal."""

    __tablename__ = "conversation_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("conversation_comments.id"), index=True)
    reason: Mapped[EscalationReason] = mapped_column(_stored(EscalationReason))
    level: Mapped[EscalationLevel] = mapped_column(_stored(EscalationLevel))
    state: Mapped[EscalationState] = mapped_column(_stored(EscalationState), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text)
    # Response-time target, in business minutes from ``opened_at`` (or the last hand-over).
    target_minutes: Mapped[int]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    level_since: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str | None] = mapped_column(Text)  # why no answer, or the answer's note

    comment: Mapped[Comment] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
