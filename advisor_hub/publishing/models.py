"""Linked accounts, posts and their outbox rows, and the states of each (one StrEnum per
lifecycle, stored as its value; assigning anything else raises ``ValueError``).

Cross-package references (library versions, templates, reviews) are plain integer ids, not
foreign keys: packages talk through services, and the migration branches stay independent.
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


class _Lifecycle(enum.StrEnum):
    """A lifecycle's states, stored as their values; ``label`` and ``style`` for the pages."""

    @property
    def label(self) -> LazyString:
        return _LABELS[self.value]

    @property
    def style(self) -> str:
        """The Bootstrap colour of its badge."""
        return _STYLES.get(self.value, "secondary")


class AccountStatus(_Lifecycle):
    """A linked network account."""

    PENDING_APPROVAL = "pending_approval"
    ACTIVE = "active"
    RELINK_NEEDED = "relink_needed"
    REJECTED = "rejected"
    UNLINKED = "unlinked"

    @property
    def needs_relink(self) -> bool:
        return self is AccountStatus.RELINK_NEEDED

    @property
    def still_linked(self) -> bool:
        """The grant must survive: an approval or a relink would bring it back to use."""
        return self in (AccountStatus.PENDING_APPROVAL, AccountStatus.ACTIVE,
                        AccountStatus.RELINK_NEEDED)


class PostState(_Lifecycle):
    """A post; once scheduled, its state follows its outbox rows (``outbox.derived_state``)."""

    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def editable(self) -> bool:
        """The advisor may still change its text (a new review follows)."""
        return self in (PostState.PENDING_REVIEW, PostState.CHANGES_REQUESTED,
                        PostState.APPROVED, PostState.SCHEDULED, PostState.REJECTED)

    @property
    def needs_new_time(self) -> bool:
        """Approved but not scheduled: its time passed before the approval came."""
        return self is PostState.APPROVED

    @property
    def reschedulable(self) -> bool:
        return self in (PostState.APPROVED, PostState.SCHEDULED)

    @property
    def cancellable(self) -> bool:
        return self in (PostState.DRAFT, PostState.PENDING_REVIEW, PostState.CHANGES_REQUESTED,
                        PostState.APPROVED, PostState.SCHEDULED, PostState.PUBLISHING)

    @property
    def settles(self) -> bool:
        """Its rows are out (or about to be): its state follows theirs."""
        return self in (PostState.SCHEDULED, PostState.PUBLISHING)


class TargetState(_Lifecycle):
    """One outbox row (one post to one linked account)."""

    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    CANCELLED = "cancelled"
    NEEDS_CHECK = "needs_check"
    HELD = "held"

    @property
    def open(self) -> bool:
        """It may still go out: what cancelling or unlinking stops."""
        return self in (TargetState.SCHEDULED, TargetState.HELD)

    @property
    def final(self) -> bool:
        return self in (TargetState.PUBLISHED, TargetState.FAILED, TargetState.CANCELLED,
                        TargetState.NEEDS_CHECK)

    @property
    def explained(self) -> bool:
        """Its ``last_error`` says why it did not (or may not have) go out."""
        return self in (TargetState.FAILED, TargetState.CANCELLED, TargetState.NEEDS_CHECK,
                        TargetState.HELD)


class FailureClass(enum.StrEnum):
    """Why an outbox row did not go out (``advisor_hub.networks.errors`` classes, and the
    publish-time re-check)."""

    NOT_SENT = "not_sent"
    OUTCOME_UNKNOWN = "outcome_unknown"
    REAUTH = "reauth"
    PERMANENT = "permanent"
    PRECHECK = "precheck"


class PostSource(enum.StrEnum):
    LIBRARY = "library"
    LIFE_EVENT = "life_event"
    FREE_FORM = "free_form"

    @property
    def fixed_link(self) -> bool:
        """Library content carries its approved link: the advisor cannot change it."""
        return self is PostSource.LIBRARY


_LABELS: dict[str, LazyString] = {
    "draft": _l("Draft"), "pending_review": _l("Pending review"),
    "changes_requested": _l("Changes requested"), "approved": _l("Approved"),
    "scheduled": _l("Scheduled"), "publishing": _l("Publishing"), "published": _l("Published"),
    "rejected": _l("Rejected"), "cancelled": _l("Cancelled"), "failed": _l("Failed"),
    "needs_check": _l("Needs a check"), "held": _l("On hold"),
    "pending_approval": _l("Pending approval"), "active": _l("Active"),
    "relink_needed": _l("Relink needed"), "unlinked": _l("Unlinked"),
}
STATE_LABELS = _LABELS  # every lifecycle state of this package (advisor_hub.labels)
FAILURE_LABELS: dict[str, LazyString] = {
    FailureClass.NOT_SENT: _l("Not sent"), FailureClass.OUTCOME_UNKNOWN: _l("Outcome unknown"),
    FailureClass.REAUTH: _l("Account must be linked again"),
    FailureClass.PERMANENT: _l("Refused by the network"),
    FailureClass.PRECHECK: _l("Stopped by the publish-time check"),
}
SOURCE_LABELS: dict[str, LazyString] = {
    PostSource.LIBRARY: _l("Library"), PostSource.LIFE_EVENT: _l("Life event"),
    PostSource.FREE_FORM: _l("Free-form"),
}
_STYLES = {"published": "success", "active": "success", "scheduled": "primary",
           "failed": "danger", "rejected": "danger", "needs_check": "warning",
           "held": "warning", "relink_needed": "warning", "changes_requested": "warning"}


def _values(enum_type: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in enum_type]


def _stored(enum_type: type[enum.StrEnum]) -> Enum:
    """A StrEnum stored as its value in a VARCHAR(20), no CHECK constraint (the schema of
    the plain strings it replaces); rows read back as members."""
    return Enum(enum_type, native_enum=False, create_constraint=False, length=20,
                values_callable=_values)


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
    status: Mapped[AccountStatus] = mapped_column(_stored(AccountStatus),
                                                  default=AccountStatus.PENDING_APPROVAL)
    # Fernet ciphertext of the TokenSet; the key lives in configuration, never here.
    token_ciphertext: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None]
    review_id: Mapped[int | None]
    relink_reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()

    @validates("status")
    def _status(self, _key: str, value: str) -> AccountStatus:
        return AccountStatus(value)

    def __repr__(self) -> str:
        return f"<LinkedAccount {self.id} {self.network}:{self.external_id} {self.status}>"


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_author_id_created_at", "author_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    branch_id: Mapped[int | None]  # snapshot of the author's branch when composed
    source: Mapped[PostSource] = mapped_column(_stored(PostSource))
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
    state: Mapped[PostState] = mapped_column(_stored(PostState), default=PostState.DRAFT,
                                             index=True)
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

    @validates("state")
    def _state(self, _key: str, value: str) -> PostState:
        return PostState(value)

    @validates("source")
    def _source(self, _key: str, value: str) -> PostSource:
        return PostSource(value)

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
    state: Mapped[TargetState] = mapped_column(_stored(TargetState),
                                               default=TargetState.SCHEDULED)
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
    failure_class: Mapped[FailureClass | None] = mapped_column(_stored(FailureClass))
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set once a resend relying on duplicate rejection was made (at most one such resend).
    resent_for_reconcile: Mapped[bool] = mapped_column(default=False)
    # Database time from which a lookup answering "absent" is believed: the network may still
    # be working on an attempt whose outcome is unknown (``dispatch.reconcile``). None: not
    # set for the current attempt yet.
    absent_trusted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    post: Mapped[Post] = relationship(back_populates="targets")
    account: Mapped[LinkedAccount] = relationship()

    @validates("state")
    def _state(self, _key: str, value: str) -> TargetState:
        return TargetState(value)

    @validates("failure_class")
    def _failure_class(self, _key: str, value: str | None) -> FailureClass | None:
        return None if value is None else FailureClass(value)

    def __repr__(self) -> str:
        return f"<PublicationTarget {self.id} post={self.post_id} {self.network} {self.state}>"
