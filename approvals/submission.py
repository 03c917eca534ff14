"""Putting content in the queue (screened by the policy engine), approvals resting on the
library's, and the author withdrawing a review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.content_hash import content_hash
from advisor_hub.db import utcnow
from advisor_hub.errors import NotFound, PermissionDenied, ValidationError
from approvals.decisions import close_review, log_decision, snapshot
from approvals.errors import AlreadyDecided, NeedsReview
from approvals.models import OPEN_STATUSES, DecisionKind, ReviewRequest, ReviewStatus
from approvals.periods import approval_expires
from approvals.policy import BLOCK
from approvals.screening import screen_text
from approvals.standing import get_approval
from approvals.subjects import require_subject


@dataclass(frozen=True)
class ReviewContent:
    text: str                  # exact text as it will be published (disclosures included)
    link_url: str | None = None
    media_sha256: str | None = None
    media_url: str | None = None   # where the review page can show the image
    title: str | None = None

    @property
    def hash(self) -> str:
        return content_hash(self.text, self.link_url, self.media_sha256)


def _finding_dict(finding: Any, where: str) -> dict[str, Any]:
    return {"rule": finding.rule, "severity": finding.severity, "start": finding.start,
            "end": finding.end, "message_id": finding.message_id,
            "params": dict(finding.params), "note": finding.note,
            "note_fr": finding.note_fr, "field": where}


def submit_for_review(
    session: Session, *, kind: str, subject_id: int, author: User, content: ReviewContent,
    networks: list[str], branch_id: int | None, category: str | None = None,
    base_content: ReviewContent | None = None,
) -> ReviewRequest:
    """Screen the content with the policy engine (findings stored) and put it in the queue.

    An open review of the same subject is superseded (marked withdrawn, no callback): the
    newest submission is the one reviewed; earlier decisions stay attached to the subject.
    """
    if author is None or not author.active:
        raise PermissionDenied()
    require_subject(kind)
    if not content.text or not content.text.strip():
        raise ValidationError(_l("There is no text to review."), field="text")
    now = utcnow()
    for old in session.scalars(select(ReviewRequest).where(
            ReviewRequest.kind == kind, ReviewRequest.subject_id == subject_id,
            ReviewRequest.status.in_(OPEN_STATUSES))):
        before = snapshot(old)
        old.status, old.decided_at, old.version = ReviewStatus.WITHDRAWN, now, old.version + 1
        old.claimed_by_id = old.claim_expires_at = None
        record(session, author, "review.superseded", old, before=before, after=snapshot(old))
    screening = screen_text(session, content.text, link_url=content.link_url,
                            allowed_contacts=frozenset({author.email.lower()}))
    findings = [_finding_dict(f, "text") for f in screening.findings] + [
        _finding_dict(f, "link") for f in screening.link_findings]
    review = ReviewRequest(
        kind=kind, subject_id=subject_id, author_id=author.id, branch_id=branch_id,
        networks=list(networks), category=category, status=ReviewStatus.PENDING,
        escalation_level=0, findings=findings, findings_count=len(findings),
        blocking_count=sum(1 for f in findings if f["severity"] == BLOCK),
        title=content.title, text=content.text, link_url=content.link_url,
        media_sha256=content.media_sha256, media_url=content.media_url,
        content_hash=content.hash,
        base_text=base_content.text if base_content else None,
        base_link_url=base_content.link_url if base_content else None,
        submitted_at=now, lexicon_version=screening.lexicon_version,
    )
    session.add(review)
    session.flush()
    record(session, author, "review.submitted", review, after={
        "kind": kind, "subject_id": subject_id, "content_hash": review.content_hash,
        "findings_count": review.findings_count, "lexicon_version": review.lexicon_version})
    return review


def approve_from_library(
    session: Session, *, kind: str, subject_id: int, author: User, content: ReviewContent,
    basis_review_id: int,
) -> ReviewRequest:
    """An unedited library item/template used by an advisor: an approval decided by the
    system at once, resting on the library version's approval, with the hash of the exact
    personalised content. Refused (NeedsReview) when the screening finds anything in the
    personalised content: it must then be submitted for review."""
    if author is None or not author.active:
        raise PermissionDenied()
    require_subject(kind)
    basis = session.get(ReviewRequest, basis_review_id)
    info = get_approval(session, basis_review_id) if basis is not None else None
    if basis is None or info is None or not info.stands:
        raise ValidationError(_l("The library approval this rests on no longer stands."))
    # The personalised text holds values no reviewer read (a client's name...): it rests on
    # the library's approval only when the policy engine finds nothing in it.
    screening = screen_text(session, content.text, link_url=content.link_url,
                            allowed_contacts=frozenset({author.email.lower()}))
    if screening.count:
        raise NeedsReview()
    now = utcnow()
    review = ReviewRequest(
        kind=kind, subject_id=subject_id, author_id=author.id, branch_id=author.branch_id,
        networks=list(basis.networks or []), category=basis.category,
        status=ReviewStatus.APPROVED, escalation_level=0, findings=[], findings_count=0,
        blocking_count=0, title=content.title or basis.title, text=content.text,
        link_url=content.link_url, media_sha256=content.media_sha256,
        media_url=content.media_url, content_hash=content.hash, base_text=basis.text,
        base_link_url=basis.link_url, submitted_at=now, decided_at=now, decided_by_id=None,
        lexicon_version=basis.lexicon_version, basis_review_id=basis.id,
        expires_at=approval_expires(kind, now),
    )
    session.add(review)
    session.flush()
    # No comment: what it rests on is a field (pages say it in the reader's language).
    log_decision(session, review, None, DecisionKind.APPROVED_FROM_LIBRARY, None, None,
                 basis_review_id=basis.id)
    record(session, author, "review.approved_from_library", review, after={
        "basis_review_id": basis.id, "content_hash": review.content_hash}, flush=False)
    return review


def withdraw(session: Session, *, review_id: int, actor: User) -> None:
    """The author cancels a review still in the queue."""
    review = session.get(ReviewRequest, review_id)
    if review is None:
        raise NotFound()
    if actor is None or actor.id != review.author_id:
        raise PermissionDenied()
    if not review.is_open:
        raise AlreadyDecided()
    close_review(session, review, actor, ReviewStatus.WITHDRAWN)
    record(session, actor, "review.withdrawn", review, after=snapshot(review))
