"""The moderation queue: one list for everything awaiting review, and the turnaround target.

The list is one COUNT and one SELECT per page whatever its size (authors, branches and the
claim holder come in the same row), so it stays fast with 100,000 items waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from advisor_hub.accounts.models import Branch, User
from advisor_hub.db import utcnow
from advisor_hub.pagination import Page, paginate
from advisor_hub.roles import require_role
from approvals.models import OPEN_STATUSES, ReviewRequest
from approvals.rules import REVIEWERS, get_settings

KINDS = ("library_item", "life_event_template", "post", "linked_account")
SORTS = ("oldest", "newest", "findings")


@dataclass(frozen=True)
class QueueFilter:
    kind: str | None = None
    branch_id: int | None = None
    author_id: int | None = None
    has_findings: bool | None = None
    escalated: bool | None = None
    sort: str = "oldest"


@dataclass(frozen=True)
class QueueRow:
    id: int
    kind: str
    title: str | None
    text: str
    author_name: str
    author_id: int
    branch_name: str | None
    submitted_at: datetime
    findings_count: int
    blocking_count: int
    networks: list[str]
    escalation_level: int
    claimed_by_name: str | None
    claim_expires_at: datetime | None
    age_minutes: int = 0
    past_target: bool = False

    @property
    def claimed(self) -> bool:
        return bool(self.claimed_by_name and self.claim_expires_at
                    and self.claim_expires_at > utcnow())


def _query(filters: QueueFilter) -> Any:
    author = aliased(User)
    holder = aliased(User)
    query = (
        select(ReviewRequest.id, ReviewRequest.kind, ReviewRequest.title, ReviewRequest.text,
               author.first_name, author.last_name, ReviewRequest.author_id, Branch.name,
               ReviewRequest.submitted_at, ReviewRequest.findings_count,
               ReviewRequest.blocking_count, ReviewRequest.networks,
               ReviewRequest.escalation_level, holder.first_name, holder.last_name,
               ReviewRequest.claim_expires_at)
        .join(author, author.id == ReviewRequest.author_id)
        .outerjoin(Branch, Branch.id == ReviewRequest.branch_id)
        .outerjoin(holder, holder.id == ReviewRequest.claimed_by_id)
        .where(ReviewRequest.status.in_(OPEN_STATUSES))
    )
    if filters.kind:
        query = query.where(ReviewRequest.kind == filters.kind)
    if filters.branch_id:
        query = query.where(ReviewRequest.branch_id == filters.branch_id)
    if filters.author_id:
        query = query.where(ReviewRequest.author_id == filters.author_id)
    if filters.has_findings is True:
        query = query.where(ReviewRequest.findings_count > 0)
    elif filters.has_findings is False:
        query = query.where(ReviewRequest.findings_count == 0)
    if filters.escalated is True:
        query = query.where(ReviewRequest.escalation_level > 0)
    elif filters.escalated is False:
        query = query.where(ReviewRequest.escalation_level == 0)
    if filters.sort == "newest":
        return query.order_by(ReviewRequest.submitted_at.desc(), ReviewRequest.id.desc())
    if filters.sort == "findings":
        return query.order_by(ReviewRequest.blocking_count.desc(),
                              ReviewRequest.findings_count.desc(),
                              ReviewRequest.submitted_at, ReviewRequest.id)
    return query.order_by(ReviewRequest.submitted_at, ReviewRequest.id)


def list_queue(session: Session, *, actor: User, filters: QueueFilter, page: int = 1,
               per_page: int = 25, now: datetime | None = None) -> Page[QueueRow]:
    """Open items, oldest first by default, with their age against the target."""
    require_role(actor, *REVIEWERS)
    now = now or utcnow()
    settings = get_settings(session)
    raw = paginate(session, _query(filters), page=page, per_page=per_page, scalars=False)
    rows = []
    for r in raw.items:
        age = elapsed_minutes(r[8], now, business=settings.sla_business_hours)
        rows.append(QueueRow(
            id=r[0], kind=r[1], title=r[2], text=r[3], author_name=f"{r[4]} {r[5]}",
            author_id=r[6], branch_name=r[7], submitted_at=r[8], findings_count=r[9],
            blocking_count=r[10], networks=list(r[11] or []), escalation_level=r[12],
            claimed_by_name=f"{r[13]} {r[14]}" if r[13] is not None else None,
            claim_expires_at=r[15], age_minutes=age, past_target=age > settings.sla_minutes,
        ))
    return Page(items=rows, page=raw.page, per_page=raw.per_page, total=raw.total)


def queue_authors(session: Session) -> list[tuple[int, str]]:
    """Authors with something in the queue (for the filter)."""
    rows = session.execute(
        select(User.id, User.first_name, User.last_name)
        .where(User.id.in_(select(ReviewRequest.author_id)
                           .where(ReviewRequest.status.in_(OPEN_STATUSES))))
        .order_by(User.last_name, User.first_name)
    )
    return [(r[0], f"{r[1]} {r[2]}") for r in rows]


# --- turnaround -------------------------------------------------------------------------------


def _business_hours() -> tuple[ZoneInfo, time, time]:
    config = current_app.config if has_app_context() else {}
    zone = ZoneInfo(config.get("REVIEW_BUSINESS_TIMEZONE", "Europe/Paris"))
    opens, closes = str(config.get("REVIEW_BUSINESS_HOURS", "09:00-17:00")).split("-")
    return zone, time.fromisoformat(opens), time.fromisoformat(closes)


def elapsed_minutes(start: datetime, end: datetime, *, business: bool) -> int:
    """Minutes from ``start`` to ``end``: wall-clock, or only business hours (Monday to
    Friday, ``REVIEW_BUSINESS_HOURS`` in ``REVIEW_BUSINESS_TIMEZONE``)."""
    if end <= start:
        return 0
    if not business:
        return int((end - start).total_seconds() // 60)
    zone, opens, closes = _business_hours()
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    total = 0.0
    day = local_start.date()
    while day <= local_end.date():
        if day.weekday() < 5:
            window_start = datetime.combine(day, opens, zone)
            window_end = datetime.combine(day, closes, zone)
            lo, hi = max(window_start, local_start), min(window_end, local_end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return int(total // 60)
