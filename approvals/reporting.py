"""Queries on reviews that reports compose (the dashboard, the archive): ``Select``s built
on this package's models. Which statuses count as "decided" or "rejected" is decided here,
in one place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select

from approvals.models import ReviewRequest, ReviewStatus

# What a reviewer's decision leaves (expiry and withdrawal are not decisions).
DECIDED = (ReviewStatus.APPROVED, ReviewStatus.REJECTED, ReviewStatus.CHANGES_REQUESTED)


def decided_by_person(start: datetime, end: datetime, branch_id: int | None = None
                      ) -> Select[str, datetime, datetime | None]:
    """Reviews a person decided in [start, end) (approvals the system made at once are left
    out): (kind, submitted_at, decided_at)."""
    conditions = [ReviewRequest.decided_at >= start, ReviewRequest.decided_at < end,
                  ReviewRequest.status.in_(DECIDED), ReviewRequest.decided_by_id.is_not(None)]
    if branch_id is not None:
        conditions.append(ReviewRequest.branch_id == branch_id)
    return select(ReviewRequest.kind, ReviewRequest.submitted_at,
                  ReviewRequest.decided_at).where(*conditions)


def rejected(start: datetime, end: datetime, branch_id: int | None = None
             ) -> Select[str | None, str]:
    """Reviews rejected in [start, end): (reason_code, kind)."""
    conditions = [ReviewRequest.status == ReviewStatus.REJECTED, ReviewRequest.decided_at >= start,
                  ReviewRequest.decided_at < end]
    if branch_id is not None:
        conditions.append(ReviewRequest.branch_id == branch_id)
    return select(ReviewRequest.reason_code, ReviewRequest.kind).where(*conditions)


def review_subject(review_id: int) -> tuple[str, int]:
    """The audit subject of a review (what its audit trail is recorded under)."""
    return ReviewRequest.__tablename__, review_id
