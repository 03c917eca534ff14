"""Response metrics that reports compose (the dashboard): clients' comments received in a
period, how many were answered, the median time to the first answer, escalations open; per
branch and per advisor. Which comments count (not the account's own, not deleted ones' later
facts) is decided here, in one place."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from advisor_hub.conversations.models import Comment, Escalation, EscalationState


def received(start: datetime, end: datetime, branch_id: int | None = None
             ) -> Select[int | None, int, datetime, datetime | None]:
    """Clients' comments created in [start, end): (branch_id, advisor_id, created_at,
    first_answer_at)."""
    conditions = [Comment.own.is_(False), Comment.created_at >= start, Comment.created_at < end]
    if branch_id is not None:
        conditions.append(Comment.branch_id == branch_id)
    return select(Comment.branch_id, Comment.advisor_id, Comment.created_at,
                  Comment.first_answer_at).where(*conditions)


def open_escalations(branch_id: int | None = None) -> Select[int | None, int]:
    """Open escalations: (branch_id, count) per branch."""
    query = (select(Comment.branch_id, func.count(Escalation.id))
             .join(Comment, Comment.id == Escalation.comment_id)
             .where(Escalation.state == EscalationState.OPEN))
    if branch_id is not None:
        query = query.where(Comment.branch_id == branch_id)
    return query.group_by(Comment.branch_id)


@dataclass(frozen=True)
class ResponseRow:
    key: int | None  # a branch id or an advisor id
    received: int
    answered: int
    median_minutes: float | None

    @property
    def answered_share(self) -> float:
        return self.answered / self.received if self.received else 0.0


@dataclass(frozen=True)
class ResponseMetrics:
    total: ResponseRow
    by_branch: list[ResponseRow]
    by_advisor: list[ResponseRow]
    escalations_open: int


def _row(key: int | None, rows: list[tuple[datetime, datetime | None]]) -> ResponseRow:
    waits = [(answered - created).total_seconds() / 60 for created, answered in rows
             if answered is not None]
    return ResponseRow(key, len(rows), len(waits),
                       round(statistics.median(waits), 1) if waits else None)


def response_metrics(session: Session, start: datetime, end: datetime,
                     branch_id: int | None = None) -> ResponseMetrics:
    """The figures, from one query over the period's comments (the median is taken in Python:
    SQLite has no percentile function, and a period's comments are few)."""
    rows = session.execute(received(start, end, branch_id)).all()
    branches: dict[int | None, list[tuple[datetime, datetime | None]]] = {}
    advisors: dict[int | None, list[tuple[datetime, datetime | None]]] = {}
    for branch, advisor, created, answered in rows:
        branches.setdefault(branch, []).append((created, answered))
        advisors.setdefault(advisor, []).append((created, answered))
    escalations = sum(n for _b, n in session.execute(open_escalations(branch_id)).all())
    return ResponseMetrics(
        total=_row(None, [(c, a) for _b, _ad, c, a in rows]),
        by_branch=sorted((_row(k, v) for k, v in branches.items()),
                         key=lambda r: -r.received),
        by_advisor=sorted((_row(k, v) for k, v in advisors.items()),
                          key=lambda r: -r.received),
        escalations_open=int(escalations))
