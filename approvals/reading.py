"""Reading reviews: one review, an author's own, their history, a review's decision log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.errors import NotFound
from approvals.models import ReviewDecision, ReviewRequest


def get_review(session: Session, review_id: int) -> ReviewRequest:
    review = session.get(ReviewRequest, review_id)
    if review is None:
        raise NotFound()
    return review


def get_own_review(session: Session, *, review_id: int, actor: User) -> ReviewRequest:
    """An author's view of their own review (NotFound for anybody else's)."""
    review = session.get(ReviewRequest, review_id)
    if review is None or actor is None or review.author_id != actor.id:
        raise NotFound()
    return review


def author_history(session: Session, *, author_id: int, exclude_id: int | None = None,
                   limit: int = 10) -> list[ReviewRequest]:
    """The author's most recent decided reviews (newest first)."""
    query = (select(ReviewRequest)
             .where(ReviewRequest.author_id == author_id, ReviewRequest.decided_at.is_not(None),
                    ReviewRequest.decided_by_id.is_not(None))
             .order_by(ReviewRequest.decided_at.desc()).limit(limit))
    if exclude_id is not None:
        query = query.where(ReviewRequest.id != exclude_id)
    return list(session.scalars(query))


def subject_history(session: Session, review: ReviewRequest) -> list[ReviewRequest]:
    """Earlier reviews of the same subject (a resubmission keeps its history attached)."""
    return list(session.scalars(
        select(ReviewRequest).where(ReviewRequest.kind == review.kind,
                                    ReviewRequest.subject_id == review.subject_id,
                                    ReviewRequest.id != review.id)
        .order_by(ReviewRequest.submitted_at.desc())))


def decisions_of(session: Session, review_id: int) -> list[ReviewDecision]:
    return list(session.scalars(select(ReviewDecision).where(ReviewDecision.review_id == review_id)
                                .order_by(ReviewDecision.at, ReviewDecision.id)))
