"""Decisions: a reviewer approves, rejects, asks for changes or escalates; every decision is
logged (and archived) and the subject's owner is told the outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.archive.append import append_record
from advisor_hub.audit.services import record
from advisor_hub.db import rows_changed, utcnow
from advisor_hub.errors import NotFound
from advisor_hub.roles import Role
from advisor_hub.text import sanitize
from approvals.claims import check_reviewer, claim_holder
from approvals.errors import AlreadyDecided, BadDecision, ClaimedByOther, SeniorOnly
from approvals.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    DecisionKind,
    ReviewDecision,
    ReviewRequest,
    ReviewStatus,
    Verdict,
)
from approvals.notices import notify_author, notify_seniors
from approvals.periods import approval_expires
from approvals.settings import active_reason, reason_texts
from approvals.subjects import require_subject

MAX_COMMENT = 4000


def snapshot(review: ReviewRequest) -> dict[str, Any]:
    """The fields the audit trail records before and after a change of a review."""
    return {"status": review.status, "escalation_level": review.escalation_level,
            "content_hash": review.content_hash, "claimed_by_id": review.claimed_by_id}


def _clean_comment(value: str | None, field: str = "comment") -> str:
    text = sanitize(value, field=field)
    if len(text) > MAX_COMMENT:
        raise BadDecision(_l("A comment is at most %(n)d characters.", n=MAX_COMMENT),
                          field=field)
    return text


def _verdict(decision: str) -> Verdict:
    try:
        return Verdict(decision)
    except ValueError:
        raise BadDecision() from None


def decide(
    session: Session, *, review_id: int, actor: User, decision: Verdict | str,
    reason_code: str | None = None, comment: str | None = None,
    justification: str | None = None, expected_version: int | None = None,
    now: datetime | None = None,
) -> ReviewRequest:
    """Approve, reject (reason code), request changes (comment) or escalate (note).

    Refused, changing nothing: deciding on one's own content, or on content one edited (the
    subject's ``editors``: separation of duties); an item someone else holds;
    an item already decided (or changed since the page was loaded: ``expected_version``);
    a reject with no reason; changes requested or an escalation without a comment; approving
    an item with a ``block`` finding, unless a senior reviewer overrides it with a written
    justification.
    """
    now = now or utcnow()
    verdict = _verdict(decision)
    # Lock the row (PostgreSQL); the conditional UPDATE below is the guard on every backend.
    review = session.scalar(select(ReviewRequest).where(ReviewRequest.id == review_id)
                            .with_for_update().execution_options(populate_existing=True))
    if review is None:
        raise NotFound()
    check_reviewer(session, review, actor)
    if not review.is_open or (expected_version is not None
                              and expected_version != review.version):
        raise AlreadyDecided() if not review.is_open else AlreadyDecided(
            _l("This item changed since you opened it; reload it and decide again."))
    holder = claim_holder(review, now)
    if holder is not None and holder != actor.id:
        raise ClaimedByOther()
    comment = _clean_comment(comment)
    justification = _clean_comment(justification, "justification")
    outcome = verdict.outcome
    values: dict[str, Any] = {}
    reason_label: dict[str, str] = {}
    if verdict == Verdict.APPROVE:
        if review.blocking_count:
            if not actor.has_role(Role.SENIOR_COMPLIANCE):
                raise SeniorOnly(_l("This item has a blocking finding: only a senior reviewer "
                                    "can approve it, with a written justification."))
            if not justification:
                raise BadDecision(_l("Write why you override the blocking finding."),
                                  field="justification")
            values["override_justification"] = justification
        values["expires_at"] = approval_expires(review.kind, now)
    elif verdict == Verdict.REJECT:
        reason = active_reason(session, reason_code)
        if reason is None:
            raise BadDecision(_l("Choose a reason for the rejection."), field="reason_code")
        values["reason_code"] = reason.code
        reason_label = reason_texts(session, reason.code)
    elif verdict == Verdict.REQUEST_CHANGES:
        if not comment:
            raise BadDecision(_l("Say what must change."), field="comment")
    else:
        if review.escalation_level > 0:
            raise BadDecision(_l("This item is already escalated."))
        if not comment:
            raise BadDecision(_l("Write a note for the senior reviewer."), field="comment")
    before = snapshot(review)
    if outcome == ReviewStatus.ESCALATED:
        values.update(status=outcome, escalation_level=1, escalation_note=comment,
                      claimed_by_id=None, claim_expires_at=None)
    else:
        values.update(status=outcome, decided_at=now, decided_by_id=actor.id,
                      comment=comment or None, lexicon_version=review.lexicon_version,
                      claimed_by_id=None, claim_expires_at=None)
    changed = rows_changed(session,
        update(ReviewRequest)
        .where(ReviewRequest.id == review.id, ReviewRequest.version == review.version,
               ReviewRequest.status.in_(OPEN_STATUSES),
               (ReviewRequest.claimed_by_id.is_(None))
               | (ReviewRequest.claimed_by_id == actor.id)
               | (ReviewRequest.claim_expires_at <= now))
        .values(version=ReviewRequest.version + 1, **values)
        .execution_options(synchronize_session=False))
    if changed != 1:
        session.refresh(review)
        raise AlreadyDecided() if not review.is_open else ClaimedByOther()
    session.refresh(review)
    overridden = verdict == Verdict.APPROVE and review.blocking_count > 0
    action = "review.override_approved" if overridden else f"review.{outcome}"
    record(session, actor, action, review, before=before, after={
        **snapshot(review), "reason_code": review.reason_code, "comment": comment or None,
        "justification": justification or None, "lexicon_version": review.lexicon_version})
    log_decision(session, review, actor, DecisionKind(outcome), review.reason_code,
                 justification if overridden else comment or None)
    notify_author(session, review, outcome, reason_label or "", comment)
    if outcome == ReviewStatus.ESCALATED:
        notify_seniors(session, review, actor, comment)
    if outcome in FINAL_STATUSES:
        require_subject(review.kind).on_decision(session, review.subject_id, outcome, review)
    return review


def log_decision(session: Session, review: ReviewRequest, actor: User | None,
                 kind: DecisionKind, reason_code: str | None, comment: str | None, *,
                 basis_review_id: int | None = None) -> None:
    """One row of the review's decision log, and its record in the archive
    (``basis_review_id``: the library approval an unedited use rests on)."""
    at = review.decided_at or utcnow()
    session.add(ReviewDecision(review_id=review.id, decision=kind,
                               actor_id=actor.id if actor else None, reason_code=reason_code,
                               comment=comment, content_hash=review.content_hash,
                               lexicon_version=review.lexicon_version, at=at))
    append_record(session, kind="decision", actor_id=actor.id if actor else None, payload={
        "review_id": review.id, "kind": review.kind, "subject_id": review.subject_id,
        "decision": kind.value, "reason_code": reason_code, "comment": comment,
        "content_hash": review.content_hash, "lexicon_version": review.lexicon_version,
        "decided_by_id": actor.id if actor else None, "author_id": review.author_id,
        "decided_at": at.isoformat(),
        **({"basis_review_id": basis_review_id} if basis_review_id is not None else {}),
    })
    session.flush()


def close_review(session: Session, review: ReviewRequest, actor: User | None,
                 outcome: ReviewStatus, *, now: datetime | None = None) -> None:
    """End an open review without a reviewer's verdict (withdrawn, expired): logged, and the
    subject's owner is told."""
    now = now or utcnow()
    review.status, review.decided_at, review.version = outcome, now, review.version + 1
    review.claimed_by_id = review.claim_expires_at = None
    session.flush()
    log_decision(session, review, actor, DecisionKind(outcome), None, None)
    require_subject(review.kind).on_decision(session, review.subject_id, outcome, review)
