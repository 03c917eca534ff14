"""The archive: append (never update or delete), search, record pages, legal holds.

Verification and purge live in ``integrity.py``, exports in ``export.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, event, func, select, text
from sqlalchemy.orm import ORMExecuteState, Session, aliased

from advisor_hub.accounts.models import Branch, User
from advisor_hub.archive.chain import GENESIS_HASH, canonical_json, record_hash
from advisor_hub.archive.errors import ArchiveIsAppendOnly, InvalidHold
from advisor_hub.archive.index import derive
from advisor_hub.archive.models import ArchiveRecord, LegalHold, PurgeCheckpoint
from advisor_hub.audit import services as audit
from advisor_hub.dates import between
from advisor_hub.db import utcnow
from advisor_hub.errors import NotFound, ValidationError
from advisor_hub.pagination import Page, paginate
from advisor_hub.roles import Role, require_role

# Who may read the archive, export it and place legal holds. Administrators run the
# machine, not the reviews: they get no access to communications' content.
ARCHIVE_ROLES = (Role.COMPLIANCE, Role.SENIOR_COMPLIANCE)
KINDS = ("publication", "decision")

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
    """Append one record (``kind`` "publication" or "decision") chained to the previous one."""
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


# --- search -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ArchiveFilter:
    advisor_id: int | None = None
    branch_id: int | None = None
    network: str | None = None
    kind: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    time_zone: str = "UTC"
    # Exports pin the newest record id so that a download and its manifest see the same rows.
    upto_id: int | None = None

    def pinned(self, session: Session) -> ArchiveFilter:
        if self.upto_id is not None:
            return self
        newest = session.scalar(select(func.max(ArchiveRecord.id))) or 0
        return replace(self, upto_id=newest)

    def as_args(self) -> dict[str, str]:
        values = {
            "advisor": self.advisor_id, "branch": self.branch_id, "network": self.network,
            "kind": self.kind, "date_from": self.date_from, "date_to": self.date_to,
            "q": self.q, "upto": self.upto_id,
        }
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(query: Select[*tuple[Any, ...]], filters: ArchiveFilter
             ) -> Select[*tuple[Any, ...]]:
    if filters.advisor_id:
        query = query.where(ArchiveRecord.advisor_id == filters.advisor_id)
    if filters.branch_id:
        query = query.where(ArchiveRecord.branch_id == filters.branch_id)
    if filters.network:
        query = query.where(ArchiveRecord.network == filters.network)
    if filters.kind:
        query = query.where(ArchiveRecord.kind == filters.kind)
    query = query.where(*between(ArchiveRecord.recorded_at, filters.date_from, filters.date_to,
                                 filters.time_zone))
    if filters.q:
        # search_text is stored lower-cased (Python's Unicode-aware lower()), so a plain LIKE
        # is case-insensitive on both backends, accents included. Every word must appear.
        for word in filters.q.lower().split()[:10]:
            query = query.where(
                ArchiveRecord.search_text.like(f"%{_like_escape(word)}%", escape="\\")
            )
    if filters.upto_id is not None:
        query = query.where(ArchiveRecord.id <= filters.upto_id)
    return query


@dataclass(frozen=True)
class RecordRow:
    record: ArchiveRecord
    advisor: User | None
    branch: Branch | None

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.record.payload)


def search_records(
    session: Session, *, actor: User, filters: ArchiveFilter, page: int = 1, per_page: int = 25
) -> Page[RecordRow]:
    """Compliance's archive search, newest first."""
    require_role(actor, *ARCHIVE_ROLES)
    advisor = aliased(User)
    query = filtered(
        select(ArchiveRecord, advisor, Branch)
        .outerjoin(advisor, advisor.id == ArchiveRecord.advisor_id)
        .outerjoin(Branch, Branch.id == ArchiveRecord.branch_id),
        filters,
    ).order_by(ArchiveRecord.id.desc())
    result = paginate(session, query, page=page, per_page=per_page, scalars=False)
    return Page(items=[RecordRow(*row) for row in result.items], page=result.page,
                per_page=result.per_page, total=result.total)


def known_networks(session: Session) -> list[str]:
    return list(session.scalars(
        select(ArchiveRecord.network).where(ArchiveRecord.network.is_not(None))
        .distinct().order_by(ArchiveRecord.network)
    ))


# --- legal holds --------------------------------------------------------------------------

def place_hold(
    session: Session, *, actor: User, reason: str, advisor_id: int | None = None,
    date_from: date | None = None, date_to: date | None = None,
) -> LegalHold:
    """Keep an advisor's records, or a date range's (or both: the intersection), forever
    until released. Held records are never purged."""
    require_role(actor, *ARCHIVE_ROLES)
    reason = (reason or "").strip()
    if advisor_id is None and date_from is None and date_to is None:
        raise InvalidHold()
    if date_from and date_to and date_from > date_to:
        raise ValidationError(_l("The end date must not be before the start date."),
                              field="date_to")
    if not reason:
        raise ValidationError(
            _l("Say why the records are held (case, request or reference)."), field="reason")
    if advisor_id is not None and session.get(User, advisor_id) is None:
        raise NotFound()
    hold = LegalHold(advisor_id=advisor_id, date_from=date_from, date_to=date_to,
                     reason=reason[:500], created_by_id=actor.id)
    session.add(hold)
    session.flush()
    audit.record(session, actor, "archive.hold_placed", hold, after=_hold_state(hold))
    return hold


def release_hold(session: Session, *, actor: User, hold_id: int) -> LegalHold:
    require_role(actor, *ARCHIVE_ROLES)
    hold = session.get(LegalHold, hold_id)
    if hold is None:
        raise NotFound()
    if hold.released_at is not None:
        return hold
    before = _hold_state(hold)
    hold.released_at = utcnow()
    hold.released_by_id = actor.id
    session.flush()
    audit.record(session, actor, "archive.hold_released", hold, before=before,
                 after=_hold_state(hold))
    return hold


def list_holds(session: Session, *, actor: User) -> list[LegalHold]:
    require_role(actor, *ARCHIVE_ROLES)
    return list(session.scalars(
        select(LegalHold).order_by(LegalHold.released_at.is_not(None), LegalHold.id.desc())
    ))


def active_holds(session: Session) -> list[LegalHold]:
    return list(session.scalars(select(LegalHold).where(LegalHold.released_at.is_(None))))


def hold_condition(hold: LegalHold) -> Any:
    """SQL: the records this hold covers (dates are whole UTC days, inclusive)."""
    parts = between(ArchiveRecord.recorded_at, hold.date_from, hold.date_to)
    if hold.advisor_id is not None:
        parts.insert(0, ArchiveRecord.advisor_id == hold.advisor_id)
    return and_(*parts)


def _hold_state(hold: LegalHold) -> dict[str, Any]:
    return {"advisor_id": hold.advisor_id, "date_from": hold.date_from,
            "date_to": hold.date_to, "reason": hold.reason, "released_at": hold.released_at}
