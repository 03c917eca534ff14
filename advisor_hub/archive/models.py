from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from advisor_hub.db import Base, utcnow


class ArchiveRecord(Base):
    """One archived publication or decision. Rows are never updated nor deleted (but purged)."""

    __tablename__ = "archive_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The canonical JSON of the record's content; the hash covers it and the fields above.
    payload: Mapped[str] = mapped_column(Text)
    # Unique: two writers racing for the same predecessor cannot fork the chain.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    record_hash: Mapped[str] = mapped_column(String(64), unique=True)
