"""Whether an approval stands (what the publisher checks), its use, and expiry: pending
items and unused approvals lapse after ``REVIEW_EXPIRY_DAYS``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from advisor_hub.audit.services import record
from advisor_hub.db import one_of, utcnow
from approvals.decisions import close_review, snapshot
from approvals.models import OPEN_STATUSES, ReviewRequest, ReviewStatus
from approvals.notices import notify_author
from approvals.periods import expiry_days


@dataclass(frozen=True)
class ApprovalInfo:
    review_id: int
    status: ReviewStatus
    content_hash: str
    approved_by_id: int | None
    approved_at: datetime | None
    lexicon_version: int
    expires_at: datetime | None
    stands: bool


def get_approval(session: Session, review_id: int, now: datetime | None = None
                 ) -> ApprovalInfo | None:
    return get_approvals(session, [review_id], now).get(review_id)


def get_approvals(session: Session, review_ids: Iterable[int], now: datetime | None = None
                  ) -> dict[int, ApprovalInfo]:
    """The approvals of several reviews in two queries (the publisher checks a whole batch);
    ids without a review are absent from the result."""
    ids = sorted(set(review_ids))
    if not ids:
        return {}
    now = now or utcnow()
    reviews = list(session.scalars(select(ReviewRequest)
                                   .where(one_of(session, ReviewRequest.id, ids))))
    # An approval from the library was decided by whoever approved the library version.
    basis_ids = {r.basis_review_id for r in reviews
                 if r.basis_review_id is not None and r.decided_by_id is None}
    basis_deciders = dict(session.execute(
        select(ReviewRequest.id, ReviewRequest.decided_by_id)
        .where(ReviewRequest.id.in_(basis_ids))).all()) if basis_ids else {}
    found = {}
    for review in reviews:
        approved_by = review.decided_by_id
        if approved_by is None and review.basis_review_id is not None:
            approved_by = basis_deciders.get(review.basis_review_id)
        approved = review.status == ReviewStatus.APPROVED
        # An approval used in time (published) keeps standing; an unused one lapses at expiry.
        stands = approved and (review.used_at is not None or review.expires_at is None
                               or review.expires_at > now)
        found[review.id] = ApprovalInfo(
            review_id=review.id, status=ReviewStatus(review.status),
            content_hash=review.content_hash,
            approved_by_id=approved_by if approved else None,
            approved_at=review.decided_at if approved else None,
            lexicon_version=review.lexicon_version, expires_at=review.expires_at,
            stands=stands,
        )
    return found


def mark_used(session: Session, *, review_ids: Iterable[int], at: datetime | None = None
              ) -> None:
    """The publisher used these approvals (an approval used in time does not expire)."""
    ids = sorted(set(review_ids))
    if ids:
        session.execute(update(ReviewRequest)
                        .where(one_of(session, ReviewRequest.id, ids),
                               ReviewRequest.used_at.is_(None))
                        .values(used_at=at or utcnow())
                        .execution_options(synchronize_session="fetch"))


def expire_reviews(session: Session, now: datetime | None = None) -> int:
    """Pending items older than ``REVIEW_EXPIRY_DAYS`` expire, and so do approvals not used
    by their expiry; each author is told. Returns how many expired."""
    now = now or utcnow()
    cutoff = now - timedelta(days=expiry_days())
    stale = list(session.scalars(
        select(ReviewRequest).where(ReviewRequest.status.in_(OPEN_STATUSES),
                                    ReviewRequest.submitted_at < cutoff)
        .order_by(ReviewRequest.id).with_for_update(skip_locked=True)))
    unused = list(session.scalars(
        select(ReviewRequest).where(ReviewRequest.status == ReviewStatus.APPROVED,
                                    ReviewRequest.used_at.is_(None),
                                    ReviewRequest.expires_at.is_not(None),
                                    ReviewRequest.expires_at <= now)
        .order_by(ReviewRequest.id).with_for_update(skip_locked=True)))
    for review in [*stale, *unused]:
        before = snapshot(review)
        close_review(session, review, None, ReviewStatus.EXPIRED, now=now)
        record(session, None, "review.expired", review, before=before, after=snapshot(review))
        notify_author(session, review, ReviewStatus.EXPIRED)
    return len(stale) + len(unused)
