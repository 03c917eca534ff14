"""Claims: a reviewer holds an open item for a few minutes so two do not decide it at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.db import rows_changed, utcnow
from advisor_hub.errors import DomainError, NotFound
from advisor_hub.roles import Role, require_role
from approvals.access import REVIEWERS
from approvals.errors import AlreadyDecided, ClaimedByOther, EditedContent, OwnContent, SeniorOnly
from approvals.models import OPEN_STATUSES, ReviewRequest
from approvals.periods import claim_minutes
from approvals.subjects import barred_from_deciding


def check_reviewer(session: Session, review: ReviewRequest, actor: User) -> None:
    """Refuse a non-reviewer, the author, anyone who edited the content (separation of
    duties), and anyone but a senior on an escalated item."""
    require_role(actor, *REVIEWERS)
    if actor.id == review.author_id:
        raise OwnContent()
    if actor.id in barred_from_deciding(session, review):
        raise EditedContent()
    if review.escalation_level > 0 and not actor.has_role(Role.SENIOR_COMPLIANCE):
        raise SeniorOnly(_l("This item was escalated: only a senior reviewer can decide it."))


def claim_holder(review: ReviewRequest, now: datetime | None = None) -> int | None:
    """Who holds a live claim on the item (None when free or the claim expired)."""
    now = now or utcnow()
    if review.claimed_by_id and review.claim_expires_at and review.claim_expires_at > now:
        return review.claimed_by_id
    return None


def claim_refusal(session: Session, review: ReviewRequest, actor: User,
                  now: datetime | None = None) -> DomainError | None:
    """Why ``actor`` could not claim or decide ``review`` now, or None; reads only (the
    review page asks it on GET and offers "Start review", a POST, when it is None)."""
    try:
        check_reviewer(session, review, actor)
    except DomainError as error:
        return error
    if not review.is_open:
        return AlreadyDecided()
    holder = claim_holder(review, now)
    if holder is not None and holder != actor.id:
        return ClaimedByOther()
    return None


def claim(session: Session, *, review_id: int, actor: User,
          now: datetime | None = None) -> ReviewRequest:
    """Claim an open item for ``REVIEW_CLAIM_MINUTES`` (renews one's own claim).

    A conditional UPDATE, so two reviewers opening the same item at once cannot both win.
    """
    now = now or utcnow()
    review = session.get(ReviewRequest, review_id)
    if review is None:
        raise NotFound()
    check_reviewer(session, review, actor)
    if not review.is_open:
        raise AlreadyDecided()
    changed = rows_changed(session,
        update(ReviewRequest)
        .where(ReviewRequest.id == review_id, ReviewRequest.status.in_(OPEN_STATUSES),
               (ReviewRequest.claimed_by_id.is_(None))
               | (ReviewRequest.claimed_by_id == actor.id)
               | (ReviewRequest.claim_expires_at <= now))
        .values(claimed_by_id=actor.id, claim_expires_at=now + timedelta(minutes=claim_minutes()))
        .execution_options(synchronize_session=False))
    session.refresh(review)
    if changed != 1:
        if not review.is_open:
            raise AlreadyDecided()
        raise ClaimedByOther()
    return review


def release(session: Session, *, review_id: int, actor: User) -> None:
    session.execute(
        update(ReviewRequest)
        .where(ReviewRequest.id == review_id, ReviewRequest.claimed_by_id == actor.id)
        .values(claimed_by_id=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    review = session.get(ReviewRequest, review_id)
    if review is not None:
        session.refresh(review)
