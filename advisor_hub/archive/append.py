"""Appending to the archive, and refusing any other change to it (in the application; the
database triggers are the second line). The lower half of ``archive.services``: other
packages (approvals, the publisher) append through these, and ``archive.services`` reads.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import ORMExecuteState, Session

from advisor_hub.accounts.models import User
from advisor_hub.archive.chain import GENESIS_HASH, canonical_json, record_hash
from advisor_hub.archive.errors import ArchiveIsAppendOnly
from advisor_hub.archive.index import derive
from advisor_hub.archive.models import ArchiveRecord, PurgeCheckpoint
from advisor_hub.db import utcnow
from advisor_hub.errors import ValidationError

# "comment" and "reply": clients' comments captured and the replies sent (conversations).
KINDS = ("publication", "decision", "comment", "reply")

# One lock id for "appending to the archive" on PostgreSQL (serialises writers).
_PG_APPEND_LOCK = 7_420_001
_PROTECTED = {ArchiveRecord.__tablename__, PurgeCheckpoint.__tablename__}


# --- append-only, in the application (the database triggers are the second line) ---------

@event.listens_for(ArchiveRecord, "before_update")
@event.listens_for(ArchiveRecord, "before_delete")
@event.listens_for(PurgeCheckpoint, "before_update")
@event.listens_for(PurgeCheckpoint, "before_delete")
def _refuse_change(_mapper: Any, _connection: Any, _target: Any) -> None:
    raise ArchiveIsAppendOnly()


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _PROTECTED and not (
        state.is_delete and state.execution_options.get("archive_purge")
    ):
        raise ArchiveIsAppendOnly()


def _last_hash(session: Session) -> str:
    last = session.scalar(
        select(ArchiveRecord.record_hash).order_by(ArchiveRecord.id.desc()).limit(1)
    )
    if last:
        return last
    # Everything purged: the chain continues from the last purged record.
    checkpoint = session.scalar(
        select(PurgeCheckpoint.last_hash).order_by(PurgeCheckpoint.id.desc()).limit(1)
    )
    return checkpoint or GENESIS_HASH


def append_record(
    session: Session, *, kind: str, payload: dict[str, Any], actor_id: int | None = None
) -> ArchiveRecord:
    """Append one record (``kind`` one of ``KINDS``) chained to the previous one."""
    return append_records(session, kind=kind, entries=[(payload, actor_id)])[0]


def append_records(
    session: Session, *, kind: str, entries: list[tuple[dict[str, Any], int | None]]
) -> list[ArchiveRecord]:
    """Append (payload, actor id) records in order, each chained to the one before.

    The chain serialises every append, so the publisher appends a whole batch under one
    acquisition of the lock rather than one per publication."""
    if kind not in KINDS:
        raise ValidationError(f"unknown archive record kind {kind!r}")
    if not entries:
        return []
    # Everything that does not depend on the previous record is prepared before the lock:
    # the lock serialises every append, so it is taken last and held for the shortest time
    # (lock, read the last hash, insert; released at commit).
    prepared = []
    for payload, actor_id in entries:
        body = canonical_json(payload)
        prepared.append((body, actor_id, derive(kind, json.loads(body))))
    missing = {c["advisor_id"] for _, _, c in prepared
               if c["branch_id"] is None and c["advisor_id"] is not None}
    if missing:
        branches = dict(session.execute(
            select(User.id, User.branch_id).where(User.id.in_(missing))).all())
        for _, _, columns in prepared:
            if columns["branch_id"] is None and columns["advisor_id"] is not None:
                columns["branch_id"] = branches.get(columns["advisor_id"])
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_APPEND_LOCK})
    prev = _last_hash(session)
    recorded_at = utcnow()
    records = []
    for body, actor_id, columns in prepared:
        record = ArchiveRecord(
            kind=kind,
            recorded_at=recorded_at,
            actor_id=actor_id,
            payload=body,
            prev_hash=prev,
            record_hash=record_hash(prev_hash=prev, kind=kind, recorded_at=recorded_at,
                                    actor_id=actor_id, payload=body),
            **columns,
        )
        records.append(record)
        prev = record.record_hash
    session.add_all(records)
    session.flush()
    return records
