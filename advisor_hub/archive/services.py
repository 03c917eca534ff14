"""The archive: search, record pages, legal holds; appending (never update or delete) lives in
``append.py`` and is re-exported here. Verification and purge live in ``integrity.py``,
exports in ``export.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from advisor_hub.accounts.models import Branch, User
from advisor_hub.archive.append import (  # noqa: F401  (part of this module's API)
    KINDS,
    append_record,
    append_records,
)
from advisor_hub.archive.errors import InvalidHold
from advisor_hub.archive.models import ArchiveRecord, LegalHold
from advisor_hub.audit import services as audit
from advisor_hub.audit.models import AuditEvent
from advisor_hub.db import utcnow
from advisor_hub.errors import NotFound, ValidationError
from advisor_hub.pagination import Page, paginate
from advisor_hub.roles import Role, require_role
from approvals.services import get_approval, subject_for

# Who may read the archive, export it and place legal holds. Administrators run the
# machine, not the reviews: they get no access to communications' content.
ARCHIVE_ROLES = (Role.COMPLIANCE, Role.SENIOR_COMPLIANCE)


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


def filtered(query: Select[Any], filters: ArchiveFilter) -> Select[Any]:
    tz = ZoneInfo(filters.time_zone)
    if filters.advisor_id:
        query = query.where(ArchiveRecord.advisor_id == filters.advisor_id)
    if filters.branch_id:
        query = query.where(ArchiveRecord.branch_id == filters.branch_id)
    if filters.network:
        query = query.where(ArchiveRecord.network == filters.network)
    if filters.kind:
        query = query.where(ArchiveRecord.kind == filters.kind)
    if filters.date_from:
        query = query.where(ArchiveRecord.recorded_at >= datetime.combine(filters.date_from,
                                                                           time(), tz))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), tz)
        query = query.where(ArchiveRecord.recorded_at < end)
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


# --- the record page ----------------------------------------------------------------------

@dataclass(frozen=True)
class RecordView:
    record: ArchiveRecord
    payload: dict[str, Any]
    advisor: User | None
    actor: User | None
    decisions: list[tuple[ArchiveRecord, dict[str, Any]]]
    publications: list[tuple[ArchiveRecord, dict[str, Any]]]
    trail: list[AuditEvent]
    approval: Any = None  # approvals' ApprovalInfo, when that package is installed
    approver: User | None = None


def get_record(session: Session, *, actor: User, record_id: int) -> RecordView:
    """One record with the approval behind it and the post's whole audit trail."""
    require_role(actor, *ARCHIVE_ROLES)
    record = session.get(ArchiveRecord, record_id)
    if record is None:
        raise NotFound()
    payload = json.loads(record.payload)
    related: list[ArchiveRecord] = []
    conditions = []
    if record.review_id is not None:
        conditions.append(ArchiveRecord.review_id == record.review_id)
    if record.post_id is not None:
        conditions.append(ArchiveRecord.post_id == record.post_id)
    if conditions:
        related = list(session.scalars(
            select(ArchiveRecord).where(or_(*conditions), ArchiveRecord.id != record.id)
            .order_by(ArchiveRecord.id).limit(200)
        ))
    decisions = [(r, json.loads(r.payload)) for r in related if r.kind == "decision"]
    if record.kind == "decision":
        decisions.insert(0, (record, payload))
    publications = [(r, json.loads(r.payload)) for r in related if r.kind == "publication"]
    subjects = []
    if record.post_id is not None:
        subjects.append(("posts", record.post_id))
    if record.review_id is not None:
        subjects.append(("review_requests", record.review_id))
    if payload.get("target_id") is not None:
        subjects.append(("publication_targets", payload["target_id"]))
    if record.kind == "decision" and payload.get("kind") not in (None, "post") and \
            payload.get("subject_id") is not None:
        subjects.append((_subject_type(str(payload["kind"])), payload["subject_id"]))
    trail = sorted(
        (event for subject in subjects for event in audit.trail_for(session, subject)),
        key=lambda e: (e.at, e.id),
    )
    approval = _approval(session, record.review_id)
    approver_id = getattr(approval, "approved_by_id", None) or payload.get("approved_by_id")
    return RecordView(
        approval=approval,
        approver=session.get(User, approver_id) if isinstance(approver_id, int) else None,
        record=record, payload=payload,
        advisor=session.get(User, record.advisor_id) if record.advisor_id else None,
        actor=session.get(User, record.actor_id) if record.actor_id else None,
        decisions=decisions, publications=publications, trail=trail,
    )


_SUBJECT_TABLES = {
    "post": "posts",
    "library_item": "library_item_versions",
    "life_event_template": "life_event_templates",
    "linked_account": "linked_accounts",
}


def _subject_type(kind: str) -> str:
    """The audit subject type of a review kind, as its owner registered it with approvals."""
    subject = subject_for(kind)
    return subject.subject_type if subject else _SUBJECT_TABLES.get(kind, kind)


def _approval(session: Session, review_id: int | None) -> Any:
    if review_id is None:
        return None
    return get_approval(session, review_id)


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
    parts = []
    if hold.advisor_id is not None:
        parts.append(ArchiveRecord.advisor_id == hold.advisor_id)
    if hold.date_from is not None:
        parts.append(ArchiveRecord.recorded_at >= _utc_midnight(hold.date_from))
    if hold.date_to is not None:
        parts.append(ArchiveRecord.recorded_at < _utc_midnight(hold.date_to + timedelta(days=1)))
    return and_(*parts)


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), ZoneInfo("UTC"))


def _hold_state(hold: LegalHold) -> dict[str, Any]:
    return {"advisor_id": hold.advisor_id, "date_from": hold.date_from,
            "date_to": hold.date_to, "reason": hold.reason, "released_at": hold.released_at}
