from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advisor_hub.accounts.models import User
from advisor_hub.db import Base, utcnow


class ArchiveRecord(Base):
    """One archived publication or decision. Rows are never updated nor deleted (but purged)."""

    __tablename__ = "archive_records"
    __table_args__ = (
        Index("ix_archive_records_branch_recorded", "branch_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The canonical JSON of the record's content; the hash covers it and the fields above.
    payload: Mapped[str] = mapped_column(Text)
    # Unique: two writers racing for the same predecessor cannot fork the chain.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    record_hash: Mapped[str] = mapped_column(String(64), unique=True)

    # Search columns, derived from the payload when appending (see ``index.derive``); not
    # covered by the hash, but `archive-verify` re-derives them and reports any difference.
    advisor_id: Mapped[int | None] = mapped_column(index=True)
    branch_id: Mapped[int | None] = mapped_column()
    network: Mapped[str | None] = mapped_column(String(32), index=True)
    post_id: Mapped[int | None] = mapped_column(index=True)
    review_id: Mapped[int | None] = mapped_column(index=True)
    search_text: Mapped[str | None] = mapped_column(Text)


class LegalHold(Base):
    """Compliance keeps records of an advisor and/or a date range from ever being purged."""

    __tablename__ = "archive_legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    date_from: Mapped[date | None]
    date_to: Mapped[date | None]
    reason: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    advisor: Mapped[User | None] = relationship(foreign_keys=[advisor_id], lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="joined")

    @property
    def active(self) -> bool:
        return self.released_at is None


class PurgeCheckpoint(Base):
    """What one purge removed: a contiguous prefix of the chain. Verification resumes from
    ``last_hash`` (the hash of the last purged record). Append-only, like the archive."""

    __tablename__ = "archive_purge_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    purged_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_id: Mapped[int]
    last_id: Mapped[int]
    record_count: Mapped[int]
    # prev_hash of the first purged record: equals the previous checkpoint's last_hash (or
    # the genesis value), so checkpoints chain too.
    first_prev_hash: Mapped[str] = mapped_column(String(64))
    last_hash: Mapped[str] = mapped_column(String(64), unique=True)
    cutoff: Mapped[datetime]
