"""The archive: search, record pages, legal holds; appending (never update or delete) lives in
``append.py`` and is re-exported here. Verification and purge live in ``integrity.py``,
exports in ``export.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, select
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
from advisor_hub.dates import between
from advisor_hub.db import utcnow
from advisor_hub.errors import NotFound, ValidationError
from advisor_hub.pagination import Page, paginate
from advisor_hub.roles import Role, require_role

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
