"""Linked accounts, posts and their outbox rows (linked_accounts, posts, publication_targets).

Cross-package references (library versions, templates, reviews) are plain integer ids, not
foreign keys: packages talk through services, and the migration branches stay independent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advisor_hub.accounts.models import User
from advisor_hub.db import Base, utcnow

# Linked account states
PENDING_APPROVAL = "pending_approval"
ACTIVE = "active"
RELINK_NEEDED = "relink_needed"
REJECTED = "rejected"
UNLINKED = "unlinked"
ACCOUNT_STATES = (PENDING_APPROVAL, ACTIVE, RELINK_NEEDED, REJECTED, UNLINKED)

# Post states
DRAFT = "draft"
PENDING_REVIEW = "pending_review"
CHANGES_REQUESTED = "changes_requested"
APPROVED = "approved"
SCHEDULED = "scheduled"
PUBLISHING = "publishing"
PUBLISHED = "published"
CANCELLED = "cancelled"
FAILED = "failed"
POST_STATES = (DRAFT, PENDING_REVIEW, CHANGES_REQUESTED, APPROVED, SCHEDULED, PUBLISHING,
               PUBLISHED, REJECTED, CANCELLED, FAILED)

# Outbox row states (scheduled, publishing, published, failed, cancelled as for posts)
NEEDS_CHECK = "needs_check"
HELD = "held"
TARGET_STATES = (SCHEDULED, PUBLISHING, PUBLISHED, FAILED, CANCELLED, NEEDS_CHECK, HELD)
# Rows that may still go out: what cancelling or unlinking stops.
OPEN_TARGET_STATES = (SCHEDULED, HELD)

# Failure classes of a target
NOT_SENT = "not_sent"
OUTCOME_UNKNOWN = "outcome_unknown"
REAUTH = "reauth"
PERMANENT = "permanent"
PRECHECK = "precheck"

SOURCES = ("library", "life_event", "free_form")


class LinkedAccount(Base):
    __tablename__ = "linked_accounts"
    __table_args__ = (Index("ix_linked_accounts_user_id_status", "user_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    network: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    # The network user whose grant covers this account when it is not the account itself
    # (a Facebook Page: the user who linked it). Revoking ends it for all their accounts.
    grantor_external_id: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200))
    profile_url: Mapped[str | None] = mapped_column(String(500))
    picture_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default=PENDING_APPROVAL)
    # Fernet ciphertext of the TokenSet; the key lives in configuration, never here.
    token_ciphertext: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None]
    review_id: Mapped[int | None]
    relink_reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<LinkedAccount {self.id} {self.network}:{self.external_id} {self.status}>"


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_author_id_created_at", "author_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    branch_id: Mapped[int | None]  # snapshot of the author's branch when composed
    source: Mapped[str] = mapped_column(String(20))
    library_version_id: Mapped[int | None] = mapped_column(index=True)
    template_id: Mapped[int | None]
    # The exact text sent (``body`` with the disclosures), identical for every target.
    text: Mapped[str] = mapped_column(Text)
    # What the advisor wrote or personalised, before the disclosures.
    body: Mapped[str] = mapped_column(Text, default="")
    # The linked accounts chosen in the composer (rows are created when it is scheduled).
    account_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    link_url: Mapped[str | None] = mapped_column(String(2000))
    media_sha256: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    review_id: Mapped[int | None] = mapped_column(index=True)
    review_comment: Mapped[str | None] = mapped_column(Text)
    scheduled_at: Mapped[datetime | None]
    publish_now: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    author: Mapped[User] = relationship()
    targets: Mapped[list[PublicationTarget]] = relationship(
        back_populates="post", order_by="PublicationTarget.id",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.state}>"


class PublicationTarget(Base):
    """One outbox row: one post going to one linked account."""

    __tablename__ = "publication_targets"
    __table_args__ = (
        UniqueConstraint("post_id", "account_id"),
        Index("ix_publication_targets_state_due_at", "state", "due_at"),
        Index("ix_publication_targets_state_lease", "state", "lease_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("linked_accounts.id"), index=True)
    network: Mapped[str] = mapped_column(String(20))
    # The exact text sent to this network (the post's text with this network's disclosures).
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=SCHEDULED)
    due_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    lease_expires_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    # The approval this row's exact content was approved under (one review per target text).
    review_id: Mapped[int | None]
    network_post_id: Mapped[str | None] = mapped_column(String(200))
    network_post_url: Mapped[str | None] = mapped_column(String(1000))
    published_at: Mapped[datetime | None]
    failure_class: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set once a resend relying on duplicate rejection was made (at most one such resend).
    resent_for_reconcile: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    post: Mapped[Post] = relationship(back_populates="targets")
    account: Mapped[LinkedAccount] = relationship()

    def __repr__(self) -> str:
        return f"<PublicationTarget {self.id} post={self.post_id} {self.network} {self.state}>"
