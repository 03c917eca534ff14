"""Audit records: who did what to which object, when, with the state before and after."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.models import AuditEvent
from advisor_hub.dates import between
from advisor_hub.db import Base, utcnow
from advisor_hub.pagination import Page, paginate
from advisor_hub.roles import Role, require_role

Subject = Base | tuple[str, object]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _subject_key(subject: Subject) -> tuple[str, str]:
    if isinstance(subject, tuple):
        kind, ident = subject
        return kind, str(ident)
    return subject.__tablename__, str(subject.id)  # type: ignore[attr-defined]


def record(
    session: Session,
    actor: User | None,
    action: str,
    subject: Subject,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    *,
    flush: bool = True,
) -> AuditEvent:
    """Append one audit event. ``actor`` None means the system (scheduler, CLI).

    ``flush=False`` leaves the insert to the next flush, so a batch of events goes to the
    database in one statement."""
    subject_type, subject_id = _subject_key(subject)
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )
    pending = session.info.get(_BATCH)
    if pending is not None:  # inside ``batch``: inserted with the others at its end
        event.at = utcnow()
        pending.append(event)
        return event
    session.add(event)
    if flush:
        session.flush()
    return event


_BATCH = "audit_batch"


@contextmanager
def batch(session: Session) -> Iterator[None]:
    """The audit records made inside the block go to the database in one INSERT when it
    ends (an executemany: no ids read back), in the same transaction, in the order they were
    made; nothing is written if the block raises (its changes are rolled back with it). A
    block inside another one adds to the outer one. For a service that records many events
    (composing a post records five)."""
    if session.info.get(_BATCH) is not None:
        yield
        return
    pending: list[AuditEvent] = []
    session.info[_BATCH] = pending
    try:
        yield
    finally:
        session.info.pop(_BATCH, None)
    if pending:
        # The table's INSERT (Core executemany), not the ORM's bulk insert: that one splits
        # the rows by which values are None (an event without an actor is another statement).
        table: Any = AuditEvent.__table__
        session.execute(insert(table), [
            {"at": e.at, "actor_id": e.actor_id, "action": e.action,
             "subject_type": e.subject_type, "subject_id": e.subject_id,
             "before": e.before, "after": e.after} for e in pending])


def trail_for(session: Session, subject: Subject) -> list[AuditEvent]:
    """Every event on one object, oldest first (record pages show the whole story)."""
    subject_type, subject_id = _subject_key(subject)
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    time_zone: str = "UTC"


def _filtered(query: Select[Any], filters: AuditFilter) -> Select[Any]:
    if filters.actor_id:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    return query.where(*between(AuditEvent.at, filters.date_from, filters.date_to,
                                filters.time_zone))


def search_events(
    session: Session, *, actor: User, filters: AuditFilter, page: int = 1, per_page: int = 50
) -> Page[AuditEvent]:
    """Admin's audit browser: newest first, filtered by user, action and dates."""
    require_role(actor, Role.ADMIN)
    query = _filtered(select(AuditEvent), filters).order_by(
        AuditEvent.at.desc(), AuditEvent.id.desc()
    )
    return paginate(session, query, page=page, per_page=per_page)


EXPORT_COLUMNS = ("id", "at_utc", "actor_id", "actor_name", "actor_email", "action",
                  "subject_type", "subject_id", "before", "after")


def export_events(session: Session, *, actor: User, filters: AuditFilter
                  ) -> Iterator[list[Any]]:
    """The admin's audit trail as CSV rows (the header first), oldest first, with the same
    filters as the browser; read in batches, so a long trail is never held in memory. The
    caller writes them through ``csvsafe``."""
    require_role(actor, Role.ADMIN)
    yield list(EXPORT_COLUMNS)
    query = _filtered(select(AuditEvent), filters).order_by(AuditEvent.at, AuditEvent.id)
    for event in session.scalars(query.execution_options(yield_per=500)):
        who = event.actor
        yield [event.id, event.at.isoformat(), event.actor_id or "",
               who.full_name if who else "", who.email if who else "", event.action,
               event.subject_type, event.subject_id,
               json.dumps(event.before, ensure_ascii=False, sort_keys=True)
               if event.before is not None else "",
               json.dumps(event.after, ensure_ascii=False, sort_keys=True)
               if event.after is not None else ""]


def known_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def count_events(session: Session) -> int:
    return session.scalar(select(func.count(AuditEvent.id))) or 0
