"""Library items, their versions, and life-event templates.

A ``LibraryItem`` is the stable identity of a pre-approved post; every change is a new
``LibraryItemVersion`` (approved versions are never edited in place). Life-event templates are
versioned rows too: each edit of an approved template is a new row of the same ``lineage_id``.
Search documents live in a table of their own (``library_search_fts``, built by the migration:
FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL), kept in sync by ``search.py``.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from advisor_hub.accounts.models import Branch
from advisor_hub.db import Base, utcnow
from approvals.models import ReviewStatus, stored_by_value


class Status(enum.StrEnum):
    """The lifecycle of a library version or a life-event template (stored by value)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    APPROVED = "approved"
    SUPERSEDED = "superseded"
    RETIRED = "retired"


# States a curator may still change in place; the others are frozen.
EDITABLE = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED, Status.REJECTED})
# States an advisor-facing version may be in (a superseded version stays valid for posts that
# already use it).
USABLE = frozenset({Status.APPROVED, Status.SUPERSEDED})
# States compliance sent back with comments the author should read.
SENT_BACK = frozenset({Status.CHANGES_REQUESTED, Status.REJECTED})
# Where a review's outcome other than approval leaves a version or template.
STATUS_AFTER_REVIEW: dict[ReviewStatus, Status] = {
    ReviewStatus.CHANGES_REQUESTED: Status.CHANGES_REQUESTED,
    ReviewStatus.REJECTED: Status.REJECTED,
    ReviewStatus.EXPIRED: Status.DRAFT,
    ReviewStatus.WITHDRAWN: Status.DRAFT,
}

version_branches = Table(
    "library_version_branches",
    Base.metadata,
    Column("version_id", ForeignKey("library_item_versions.id", ondelete="CASCADE"),
           primary_key=True),
    Column("branch_id", ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class LibraryItem(Base):
    __tablename__ = "library_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    versions: Mapped[list[LibraryItemVersion]] = relationship(
        back_populates="item", order_by="LibraryItemVersion.number",
        cascade="all, delete-orphan",
    )

    @property
    def latest(self) -> LibraryItemVersion:
        return self.versions[-1]

    @property
    def current_approved(self) -> LibraryItemVersion | None:
        return next((v for v in reversed(self.versions) if v.status == Status.APPROVED), None)

    @property
    def working_draft(self) -> LibraryItemVersion | None:
        latest = self.latest
        return latest if latest.status in EDITABLE | {Status.IN_REVIEW} else None


class LibraryItemVersion(Base):
    __tablename__ = "library_item_versions"
    __table_args__ = (
        UniqueConstraint("item_id", "number"),
        Index("ix_library_item_versions_status_approved_at", "status", "approved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("library_items.id", ondelete="CASCADE"),
                                         index=True)
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[Status] = mapped_column(stored_by_value(Status, 32), default=Status.DRAFT)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    link_url: Mapped[str | None] = mapped_column(String(2000))
    image_name: Mapped[str | None] = mapped_column(String(80))
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    image_width: Mapped[int | None]
    image_height: Mapped[int | None]
    networks: Mapped[list[str]] = mapped_column(JSON, default=list)
    campaign: Mapped[str | None] = mapped_column(String(120), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    audience_all: Mapped[bool] = mapped_column(default=True)
    available_from: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    placeholders: Mapped[list[str]] = mapped_column(JSON, default=list)
    review_id: Mapped[int | None] = mapped_column(index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]

    item: Mapped[LibraryItem] = relationship(back_populates="versions")
    branches: Mapped[list[Branch]] = relationship(secondary=version_branches,
                                                  order_by=Branch.name)
    tag_rows: Mapped[list[LibraryVersionTag]] = relationship(
        cascade="all, delete-orphan", order_by="LibraryVersionTag.tag", lazy="selectin",
    )

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]

    @property
    def category(self) -> str | None:
        """The campaign, which the approvals policy uses as its disclosure category."""
        return self.campaign

    @property
    def image_url(self) -> str | None:
        return f"/library/media/{self.image_name}" if self.image_name else None

    @validates("status")
    def _as_status(self, _key: str, value: str) -> Status:
        return Status(value)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def in_review(self) -> bool:
        return self.status == Status.IN_REVIEW

    @property
    def sent_back(self) -> bool:
        """Compliance asked for changes or rejected it: its author has comments to read."""
        return self.status in SENT_BACK

    @property
    def listed_status(self) -> Status:
        """What the curators' list shows: retired once the item is, else the status."""
        return Status.RETIRED if self.item.retired_at is not None else Status(self.status)

    @property
    def in_use_instead(self) -> LibraryItemVersion | None:
        """While this version is not the approved one: the approved version advisors use."""
        return self.item.current_approved if self.status != Status.APPROVED else None

    def __repr__(self) -> str:
        return f"<LibraryItemVersion {self.item_id}v{self.number} {self.status}>"


class LibraryVersionTag(Base):
    __tablename__ = "library_version_tags"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("library_item_versions.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class LifeEventType(Base):
    __tablename__ = "life_event_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    label_en: Mapped[str] = mapped_column(String(120))
    label_fr: Mapped[str] = mapped_column(String(120))
    builtin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def label(self, language: str) -> str:
        return self.label_fr if language == "fr" else self.label_en


class LifeEventTemplate(Base):
    """One version of a life-event message; ``lineage_id`` groups the versions of one template."""

    __tablename__ = "life_event_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    lineage_id: Mapped[int | None] = mapped_column(index=True)
    number: Mapped[int] = mapped_column(default=1)
    type_id: Mapped[int] = mapped_column(ForeignKey("life_event_types.id"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[Status] = mapped_column(stored_by_value(Status, 32), default=Status.DRAFT)
    review_id: Mapped[int | None] = mapped_column(index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]

    type: Mapped[LifeEventType] = relationship(lazy="joined")

    @validates("status")
    def _as_status(self, _key: str, value: str) -> Status:
        return Status(value)

    @property
    def event_type(self) -> str:
        return self.type.key

    def event_label(self, language: str) -> str:
        """The life event's name in ``language`` (what a heading shows; never the key)."""
        return self.type.label(language)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def in_review(self) -> bool:
        return self.status == Status.IN_REVIEW


class LibraryVersionEditor(Base):
    """Someone who wrote or changed a library version: they may not decide on its review
    (separation of duties; ``content_library.editors``)."""

    __tablename__ = "library_version_editors"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("library_item_versions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    first_edited_at: Mapped[datetime] = mapped_column(default=utcnow)


class LifeEventTemplateEditor(Base):
    """Someone who wrote or changed a life-event template version (see above)."""

    __tablename__ = "life_event_template_editors"

    template_id: Mapped[int] = mapped_column(
        ForeignKey("life_event_templates.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    first_edited_at: Mapped[datetime] = mapped_column(default=utcnow)


class LibraryUsage(Base):
    """One publication made from a library version or a template (filled by the publisher)."""

    __tablename__ = "library_usage"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("library_item_versions.id"), index=True)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("life_event_templates.id"), index=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    network: Mapped[str] = mapped_column(String(32))
    published_at: Mapped[datetime] = mapped_column(index=True)
    post_url: Mapped[str | None] = mapped_column(String(2000))
