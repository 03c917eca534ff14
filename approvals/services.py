"""Review requests: submission (screened by the policy engine), claims, decisions, expiry.

Other packages use: ``register_subject``, ``submit_for_review``, ``approve_from_library``,
``withdraw``, ``get_approval(s)``, ``mark_used``, ``screen_text(s)``, ``disclosures_for``,
``apply_disclosures`` and the dataclasses ``ReviewContent``, ``ApprovalInfo``, ``Screening``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from advisor_hub.accounts.models import User, UserRole
from advisor_hub.archive.append import append_record
from advisor_hub.audit.services import record
from advisor_hub.content_hash import content_hash
from advisor_hub.db import one_of, utcnow
from advisor_hub.errors import NotFound, PermissionDenied, ValidationError
from advisor_hub.notifications.services import N_, notify
from advisor_hub.roles import Role, require_role
from approvals.errors import AlreadyDecided, BadDecision, ClaimedByOther, OwnContent, SeniorOnly
from approvals.models import OPEN_STATUSES, ReasonCode, ReviewDecision, ReviewRequest
from approvals.rules import (  # noqa: F401  (part of this module's public API)
    REVIEWERS,
    Screening,
    apply_disclosures,
    disclosures_for,
    screen_text,
    screen_texts,
)
from approvals.text import sanitize

OUTCOMES = ("approved", "rejected", "changes_requested", "expired", "withdrawn")
DECISIONS = ("approve", "reject", "request_changes", "escalate")
MAX_COMMENT = 4000
# Approvals of these kinds expire when not used within REVIEW_EXPIRY_DAYS; library items and
# linked accounts stay approved (their validity window and retirement govern them).
APPROVAL_EXPIRY_KINDS = ("post",)

# --- content, subjects ------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ApprovalInfo:
    review_id: int
    status: str
    content_hash: str
    approved_by_id: int | None
    approved_at: datetime | None
    lexicon_version: int
    expires_at: datetime | None
    stands: bool


DecisionHandler = Callable[[Session, int, str, ReviewRequest], None]


@dataclass(frozen=True)
class Subject:
    kind: str
    subject_type: str
    on_decision: DecisionHandler
    url: Callable[[int], str] | None = None


_subjects: dict[str, Subject] = {}


def register_subject(kind: str, *, subject_type: str, on_decision: DecisionHandler,
                     url: Callable[[int], str] | None = None) -> None:
    """Owners of reviewable things register at import: ``on_decision(session, subject_id,
    outcome, review)`` is called in the deciding transaction; ``url(subject_id)`` (optional)
    is where the author's notification links to."""
    _subjects[kind] = Subject(kind, subject_type, on_decision, url)


def subject_for(kind: str) -> Subject | None:
    return _subjects.get(kind)


def _subject(kind: str) -> Subject:
    subject = _subjects.get(kind)
    if subject is None:
        raise ValidationError(_l("Unknown kind of content: %(kind)s.", kind=kind))
    return subject


def _config(name: str, default: Any) -> Any:
    return current_app.config.get(name, default) if has_app_context() else default


def expiry_days() -> int:
    return int(_config("REVIEW_EXPIRY_DAYS", 90))


def claim_minutes() -> int:
    return int(_config("REVIEW_CLAIM_MINUTES", 15))


def _approval_expires(kind: str, decided_at: datetime) -> datetime | None:
    kinds = _config("REVIEW_APPROVAL_EXPIRY_KINDS", APPROVAL_EXPIRY_KINDS)
    return decided_at + timedelta(days=expiry_days()) if kind in kinds else None


def _finding_dict(finding: Any, where: str) -> dict[str, Any]:
    return {"rule": finding.rule, "severity": finding.severity, "start": finding.start,
            "end": finding.end, "message_id": finding.message_id,
            "params": dict(finding.params), "note": finding.note, "field": where}


def _snapshot(review: ReviewRequest) -> dict[str, Any]:
    return {"status": review.status, "escalation_level": review.escalation_level,
            "content_hash": review.content_hash, "claimed_by_id": review.claimed_by_id}


def _title(review: ReviewRequest) -> str:
    if review.title:
        return review.title[:80]
    first = " ".join(review.text.split())
    return first[:60] + ("…" if len(first) > 60 else "")


# --- submission ---------------------------------------------------------------------------------


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
    _subject(kind)
    if not content.text or not content.text.strip():
        raise ValidationError(_l("There is no text to review."), field="text")
    now = utcnow()
    for old in session.scalars(select(ReviewRequest).where(
            ReviewRequest.kind == kind, ReviewRequest.subject_id == subject_id,
            ReviewRequest.status.in_(OPEN_STATUSES))):
        before = _snapshot(old)
        old.status, old.decided_at, old.version = "withdrawn", now, old.version + 1
        old.claimed_by_id = old.claim_expires_at = None
        record(session, author, "review.superseded", old, before=before, after=_snapshot(old))
    screening = screen_text(session, content.text, link_url=content.link_url,
                            allowed_contacts=frozenset({author.email.lower()}))
    findings = [_finding_dict(f, "text") for f in screening.findings] + [
        _finding_dict(f, "link") for f in screening.link_findings]
    review = ReviewRequest(
        kind=kind, subject_id=subject_id, author_id=author.id, branch_id=branch_id,
        networks=list(networks), category=category, status="pending", escalation_level=0,
        findings=findings, findings_count=len(findings),
        blocking_count=sum(1 for f in findings if f["severity"] == "block"),
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
    personalised content."""
    if author is None or not author.active:
        raise PermissionDenied()
    _subject(kind)
    basis = session.get(ReviewRequest, basis_review_id)
    info = get_approval(session, basis_review_id) if basis is not None else None
    if basis is None or info is None or not info.stands:
        raise ValidationError(_l("The library approval this rests on no longer stands."))
    now = utcnow()
    review = ReviewRequest(
        kind=kind, subject_id=subject_id, author_id=author.id, branch_id=author.branch_id,
        networks=list(basis.networks or []), category=basis.category, status="approved",
        escalation_level=0, findings=[], findings_count=0, blocking_count=0,
        title=content.title or basis.title, text=content.text, link_url=content.link_url,
        media_sha256=content.media_sha256, media_url=content.media_url,
        content_hash=content.hash, base_text=basis.text, base_link_url=basis.link_url,
        submitted_at=now, decided_at=now, decided_by_id=None,
        lexicon_version=basis.lexicon_version, basis_review_id=basis.id,
        expires_at=_approval_expires(kind, now),
    )
    session.add(review)
    session.flush()
    _log_decision(session, review, None, "approved_from_library", None,
                  f"basis review {basis.id}")
    record(session, author, "review.approved_from_library", review, after={
        "basis_review_id": basis.id, "content_hash": review.content_hash})
    return review


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
        approved = review.status == "approved"
        # An approval used in time (published) keeps standing; an unused one lapses at expiry.
        stands = approved and (review.used_at is not None or review.expires_at is None
                               or review.expires_at > now)
        found[review.id] = ApprovalInfo(
            review_id=review.id, status=review.status, content_hash=review.content_hash,
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


def withdraw(session: Session, *, review_id: int, actor: User) -> None:
    """The author cancels a review still in the queue."""
    review = session.get(ReviewRequest, review_id)
    if review is None:
        raise NotFound()
    if actor is None or actor.id != review.author_id:
        raise PermissionDenied()
    if not review.is_open:
        raise AlreadyDecided()
    _close(session, review, actor, "withdrawn", decision="withdrawn")
    record(session, actor, "review.withdrawn", review, after=_snapshot(review))


# --- claims -----------------------------------------------------------------------------------


def _check_reviewer(review: ReviewRequest, actor: User) -> None:
    require_role(actor, *REVIEWERS)
    if actor.id == review.author_id:
        raise OwnContent()
    if review.escalation_level > 0 and not actor.has_role(Role.SENIOR_COMPLIANCE):
        raise SeniorOnly(_l("This item was escalated: only a senior reviewer can decide it."))


def claim_holder(review: ReviewRequest, now: datetime | None = None) -> int | None:
    """Who holds a live claim on the item (None when free or the claim expired)."""
    now = now or utcnow()
    if review.claimed_by_id and review.claim_expires_at and review.claim_expires_at > now:
        return review.claimed_by_id
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
    _check_reviewer(review, actor)
    if not review.is_open:
        raise AlreadyDecided()
    result = session.execute(
        update(ReviewRequest)
        .where(ReviewRequest.id == review_id, ReviewRequest.status.in_(OPEN_STATUSES),
               (ReviewRequest.claimed_by_id.is_(None))
               | (ReviewRequest.claimed_by_id == actor.id)
               | (ReviewRequest.claim_expires_at <= now))
        .values(claimed_by_id=actor.id, claim_expires_at=now + timedelta(minutes=claim_minutes()))
        .execution_options(synchronize_session=False)
    )
    session.refresh(review)
    if result.rowcount != 1:
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


# --- decisions --------------------------------------------------------------------------------


def _clean_comment(value: str | None) -> str:
    text = sanitize(value)
    if len(text) > MAX_COMMENT:
        raise BadDecision(_l("A comment is at most %(n)d characters.", n=MAX_COMMENT),
                          field="comment")
    return text


def decide(
    session: Session, *, review_id: int, actor: User, decision: str,
    reason_code: str | None = None, comment: str | None = None,
    justification: str | None = None, expected_version: int | None = None,
    now: datetime | None = None,
) -> ReviewRequest:
    """Approve, reject (reason code), request changes (comment) or escalate (note).

    Refused, changing nothing: deciding on one's own content; an item someone else holds;
    an item already decided (or changed since the page was loaded: ``expected_version``);
    a reject with no reason; changes requested or an escalation without a comment; approving
    an item with a ``block`` finding, unless a senior reviewer overrides it with a written
    justification.
    """
    now = now or utcnow()
    if decision not in DECISIONS:
        raise BadDecision()
    # Lock the row (PostgreSQL); the conditional UPDATE below is the guard on every backend.
    review = session.scalar(select(ReviewRequest).where(ReviewRequest.id == review_id)
                            .with_for_update().execution_options(populate_existing=True))
    if review is None:
        raise NotFound()
    _check_reviewer(review, actor)
    if not review.is_open or (expected_version is not None
                              and expected_version != review.version):
        raise AlreadyDecided() if not review.is_open else AlreadyDecided(
            _l("This item changed since you opened it; reload it and decide again."))
    holder = claim_holder(review, now)
    if holder is not None and holder != actor.id:
        raise ClaimedByOther()
    comment = _clean_comment(comment)
    justification = _clean_comment(justification)
    values: dict[str, Any] = {}
    reason_label = ""
    if decision == "approve":
        outcome = "approved"
        if review.blocking_count:
            if not actor.has_role(Role.SENIOR_COMPLIANCE):
                raise SeniorOnly(_l("This item has a blocking finding: only a senior reviewer "
                                    "can approve it, with a written justification."))
            if not justification:
                raise BadDecision(_l("Write why you override the blocking finding."),
                                  field="justification")
            values["override_justification"] = justification
        values["expires_at"] = _approval_expires(review.kind, now)
    elif decision == "reject":
        outcome = "rejected"
        reason = session.scalar(select(ReasonCode).where(
            ReasonCode.code == (reason_code or ""), ReasonCode.active.is_(True)))
        if reason is None:
            raise BadDecision(_l("Choose a reason for the rejection."), field="reason_code")
        values["reason_code"] = reason.code
        reason_label = reason.label
    elif decision == "request_changes":
        outcome = "changes_requested"
        if not comment:
            raise BadDecision(_l("Say what must change."), field="comment")
    else:
        outcome = "escalated"
        if review.escalation_level > 0:
            raise BadDecision(_l("This item is already escalated."))
        if not comment:
            raise BadDecision(_l("Write a note for the senior reviewer."), field="comment")
    before = _snapshot(review)
    if outcome == "escalated":
        values.update(status="escalated", escalation_level=1, escalation_note=comment,
                      claimed_by_id=None, claim_expires_at=None)
    else:
        values.update(status=outcome, decided_at=now, decided_by_id=actor.id,
                      comment=comment or None, lexicon_version=review.lexicon_version,
                      claimed_by_id=None, claim_expires_at=None)
    result = session.execute(
        update(ReviewRequest)
        .where(ReviewRequest.id == review.id, ReviewRequest.version == review.version,
               ReviewRequest.status.in_(OPEN_STATUSES),
               (ReviewRequest.claimed_by_id.is_(None))
               | (ReviewRequest.claimed_by_id == actor.id)
               | (ReviewRequest.claim_expires_at <= now))
        .values(version=ReviewRequest.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(review)
        raise AlreadyDecided() if not review.is_open else ClaimedByOther()
    session.refresh(review)
    overridden = decision == "approve" and review.blocking_count > 0
    action = "review.override_approved" if overridden else f"review.{outcome}"
    record(session, actor, action, review, before=before, after={
        **_snapshot(review), "reason_code": review.reason_code, "comment": comment or None,
        "justification": justification or None, "lexicon_version": review.lexicon_version})
    _log_decision(session, review, actor, outcome, review.reason_code,
                  justification if overridden else comment or None)
    _notify(session, review, outcome, reason_label, comment)
    if outcome == "escalated":
        _notify_seniors(session, review, actor, comment)
    if outcome in OUTCOMES:
        _subject(review.kind).on_decision(session, review.subject_id, outcome, review)
    return review


def _log_decision(session: Session, review: ReviewRequest, actor: User | None, decision: str,
                  reason_code: str | None, comment: str | None) -> None:
    at = review.decided_at or utcnow()
    session.add(ReviewDecision(review_id=review.id, decision=decision,
                               actor_id=actor.id if actor else None, reason_code=reason_code,
                               comment=comment, content_hash=review.content_hash,
                               lexicon_version=review.lexicon_version, at=at))
    append_record(session, kind="decision", actor_id=actor.id if actor else None, payload={
        "review_id": review.id, "kind": review.kind, "subject_id": review.subject_id,
        "decision": decision, "reason_code": reason_code, "comment": comment,
        "content_hash": review.content_hash, "lexicon_version": review.lexicon_version,
        "decided_by_id": actor.id if actor else None, "author_id": review.author_id,
        "decided_at": at.isoformat(),
    })
    session.flush()


_MESSAGES = {
    "approved": N_("Compliance approved “%(title)s”."),
    "rejected": N_("Compliance rejected “%(title)s”: %(reason)s. %(comment)s"),
    "changes_requested": N_("Compliance asks for changes to “%(title)s”: %(comment)s"),
    "escalated": N_("“%(title)s” was escalated to a senior reviewer."),
    "expired": N_("“%(title)s” expired after %(days)s days without being used or decided."),
}


def _notify(session: Session, review: ReviewRequest, outcome: str, reason: str = "",
            comment: str = "") -> None:
    author = session.get(User, review.author_id)
    if author is None or outcome not in _MESSAGES:
        return
    subject = _subjects.get(review.kind)
    url = subject.url(review.subject_id) if subject and subject.url else None
    if url is None and has_app_context():
        from flask import url_for

        try:
            url = url_for("approvals.mine", review_id=review.id)
        except (RuntimeError, BuildError):  # no request (job, CLI): a relative link works
            url = f"/review/mine/{review.id}"
    notify(session, author, _MESSAGES[outcome], {
        "title": _title(review), "reason": reason, "comment": comment,
        "days": expiry_days()}, url)


def _notify_seniors(session: Session, review: ReviewRequest, actor: User, note: str) -> None:
    seniors = session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == str(Role.SENIOR_COMPLIANCE), User.active.is_(True),
               User.id.not_in([actor.id, review.author_id])))
    for senior in seniors:
        notify(session, senior, N_("%(reviewer)s escalated “%(title)s” to you: %(note)s"),
               {"reviewer": actor.full_name, "title": _title(review), "note": note},
               f"/review/{review.id}")


def _close(session: Session, review: ReviewRequest, actor: User | None, outcome: str, *,
           decision: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    review.status, review.decided_at, review.version = outcome, now, review.version + 1
    review.claimed_by_id = review.claim_expires_at = None
    session.flush()
    _log_decision(session, review, actor, decision, None, None)
    _subject(review.kind).on_decision(session, review.subject_id, outcome, review)


# --- expiry -------------------------------------------------------------------------------------


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
        select(ReviewRequest).where(ReviewRequest.status == "approved",
                                    ReviewRequest.used_at.is_(None),
                                    ReviewRequest.expires_at.is_not(None),
                                    ReviewRequest.expires_at <= now)
        .order_by(ReviewRequest.id).with_for_update(skip_locked=True)))
    for review in [*stale, *unused]:
        before = _snapshot(review)
        _close(session, review, None, "expired", decision="expired", now=now)
        record(session, None, "review.expired", review, before=before, after=_snapshot(review))
        _notify(session, review, "expired")
    return len(stale) + len(unused)


# --- reading ------------------------------------------------------------------------------------


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
