"""Append to the archive. There is deliberately no function here that updates or deletes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from advisor_hub.archive.chain import GENESIS_HASH, canonical_json, record_hash
from advisor_hub.archive.models import ArchiveRecord
from advisor_hub.db import utcnow

# One lock id for "appending to the archive" on PostgreSQL (serialises writers).
_PG_APPEND_LOCK = 7_420_001


def _last_hash(session: Session) -> str:
    last = session.scalar(
        select(ArchiveRecord.record_hash).order_by(ArchiveRecord.id.desc()).limit(1)
    )
    return last or GENESIS_HASH


def append_record(
    session: Session, *, kind: str, payload: dict[str, Any], actor_id: int | None = None
) -> ArchiveRecord:
    """Append one record (``kind`` "publication" or "decision") chained to the previous one."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_APPEND_LOCK})
    prev = _last_hash(session)
    recorded_at = utcnow()
    body = canonical_json(payload)
    record = ArchiveRecord(
        kind=kind,
        recorded_at=recorded_at,
        actor_id=actor_id,
        payload=body,
        prev_hash=prev,
        record_hash=record_hash(prev_hash=prev, kind=kind, recorded_at=recorded_at,
                                actor_id=actor_id, payload=body),
    )
    session.add(record)
    session.flush()
    return record
