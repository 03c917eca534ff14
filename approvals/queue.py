"""The moderation queue: one list for everything awaiting review, and the turnaround target.

The list is one COUNT and one SELECT per page whatever its size, then one query each for the
names of the page's people and branches (the accounts package's services), so it stays fast
with 100,000 items waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.accounts.services import branch_names, user_names
from advisor_hub.db import utcnow
from advisor_hub.errors import DomainError, ValidationError
from advisor_hub.pagination import Page, paginate
from advisor_hub.roles import Role, require_role
from approvals.access import REVIEWERS
from approvals.decisions import decide
from approvals.models import OPEN_STATUSES, ReviewRequest
from approvals.settings import get_settings

KINDS = ("library_item", "life_event_template", "post", "linked_account", "campaign",
         "reply", "reply_sample", "reply_template")
SORTS = ("oldest", "newest", "findings")


# The kinds a reviewer may decide on several at once (marketing's library content).
BULK_KINDS = ("library_item", "life_event_template")


@dataclass(frozen=True)
class QueueFilter:
    q: str = ""  # words in the title or the text
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
    claimed_by_id: int | None = None

    @property
    def claimed(self) -> bool:
        return bool(self.claimed_by_name and self.claim_expires_at
                    and self.claim_expires_at > utcnow())


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _query(filters: QueueFilter) -> Any:
    query = (
        select(ReviewRequest.id, ReviewRequest.kind, ReviewRequest.title, ReviewRequest.text,
               ReviewRequest.author_id, ReviewRequest.branch_id, ReviewRequest.submitted_at,
               ReviewRequest.findings_count, ReviewRequest.blocking_count,
               ReviewRequest.networks, ReviewRequest.escalation_level,
               ReviewRequest.claimed_by_id, ReviewRequest.claim_expires_at)
        .where(ReviewRequest.status.in_(OPEN_STATUSES))
    )
    for word in filters.q.split()[:5]:
        pattern = "%" + _escape_like(word) + "%"
        query = query.where(ReviewRequest.title.ilike(pattern, escape="\\")
                            | ReviewRequest.text.ilike(pattern, escape="\\"))
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
    people = user_names(session, [uid for r in raw.items for uid in (r.author_id,
                                                                     r.claimed_by_id) if uid])
    branches = branch_names(session, [r.branch_id for r in raw.items if r.branch_id])
    rows = []
    for r in raw.items:
        age = elapsed_minutes(r.submitted_at, now, business=settings.sla_business_hours)
        rows.append(QueueRow(
            id=r.id, kind=r.kind, title=r.title, text=r.text,
            author_name=people.get(r.author_id, ""), author_id=r.author_id,
            branch_name=branches.get(r.branch_id) if r.branch_id else None,
            submitted_at=r.submitted_at, findings_count=r.findings_count,
            blocking_count=r.blocking_count, networks=list(r.networks or []),
            escalation_level=r.escalation_level,
            claimed_by_name=people.get(r.claimed_by_id) if r.claimed_by_id else None,
            claim_expires_at=r.claim_expires_at, age_minutes=age,
            past_target=age > settings.sla_minutes, claimed_by_id=r.claimed_by_id,
        ))
    return Page(items=rows, page=raw.page, per_page=raw.per_page, total=raw.total)


def queue_authors(session: Session) -> list[tuple[int, str]]:
    """Authors with something in the queue (for the filter), by name."""
    open_authors = select(ReviewRequest.author_id).where(ReviewRequest.status.in_(OPEN_STATUSES))
    return list(user_names(session, open_authors).items())


def next_item(session: Session, *, actor: User, after_id: int | None = None,
              now: datetime | None = None) -> int | None:
    """The oldest open item this reviewer could decide now (not their own, not held by
    someone else, not escalated unless they are senior), other than ``after_id``."""
    require_role(actor, *REVIEWERS)
    now = now or utcnow()
    query = (select(ReviewRequest.id)
             .where(ReviewRequest.status.in_(OPEN_STATUSES),
                    ReviewRequest.author_id != actor.id,
                    (ReviewRequest.claimed_by_id.is_(None))
                    | (ReviewRequest.claimed_by_id == actor.id)
                    | (ReviewRequest.claim_expires_at <= now))
             .order_by(ReviewRequest.submitted_at, ReviewRequest.id).limit(1))
    if after_id is not None:
        query = query.where(ReviewRequest.id != after_id)
    if not actor.has_role(Role.SENIOR_COMPLIANCE):
        query = query.where(ReviewRequest.escalation_level == 0)
    return session.scalar(query)


@dataclass(frozen=True)
class BulkResult:
    decided: list[int]
    refused: list[tuple[int, str]]  # (review id, why), in the reader's language


def decide_many(session: Session, *, actor: User, review_ids: list[int], decision: str,
                reason_code: str | None = None, comment: str | None = None,
                now: datetime | None = None) -> BulkResult:
    """One decision (with its comment) on several library items: each is decided as on its
    own page, in a savepoint of its own, so one refusal (own work, held by someone else, a
    blocking finding...) leaves the others decided and is reported."""
    require_role(actor, *REVIEWERS)
    ids = list(dict.fromkeys(review_ids))[:100]
    if not ids:
        raise ValidationError(_l("Choose at least one item."), field="review_ids")
    kinds = dict(session.execute(select(ReviewRequest.id, ReviewRequest.kind)
                                 .where(ReviewRequest.id.in_(ids))).all())
    decided: list[int] = []
    refused: list[tuple[int, str]] = []
    for review_id in ids:
        if kinds.get(review_id) not in BULK_KINDS:
            refused.append((review_id, gettext("Only library items can be decided together.")))
            continue
        try:
            with session.begin_nested():
                decide(session, review_id=review_id, actor=actor, decision=decision,
                       reason_code=reason_code, comment=comment, now=now)
        except DomainError as error:
            refused.append((review_id, str(error)))
        else:
            decided.append(review_id)
    return BulkResult(decided, refused)


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
