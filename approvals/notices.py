"""What authors and senior reviewers are told about reviews (in-app notifications, mail)."""

from __future__ import annotations

from flask import has_app_context, url_for
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from advisor_hub.accounts.models import User
from advisor_hub.accounts.services import find_user, users_with_role
from advisor_hub.notifications.services import N_, notify
from advisor_hub.roles import Role
from approvals.models import ReviewRequest, ReviewStatus
from approvals.periods import expiry_days
from approvals.subjects import subject_for

_MESSAGES = {
    ReviewStatus.APPROVED: N_("Compliance approved “%(title)s”."),
    ReviewStatus.REJECTED: N_("Compliance rejected “%(title)s”: %(reason)s. %(comment)s"),
    ReviewStatus.CHANGES_REQUESTED: N_("Compliance asks for changes to “%(title)s”: "
                                       "%(comment)s"),
    ReviewStatus.ESCALATED: N_("“%(title)s” was escalated to a senior reviewer."),
    ReviewStatus.EXPIRED: N_("“%(title)s” expired after %(days)s days without being used or "
                             "decided."),
}


def review_title(review: ReviewRequest) -> str:
    """A short name for the reviewed content: its title, else the start of its text."""
    if review.title:
        return review.title[:80]
    first = " ".join(review.text.split())
    return first[:60] + ("…" if len(first) > 60 else "")


def notify_author(session: Session, review: ReviewRequest, outcome: ReviewStatus,
                  reason: str | dict[str, str] = "", comment: str = "") -> None:
    """Tell the author what became of their content (nothing for a withdrawal); ``reason``
    may be given in each language ({"en": ..., "fr": ...}): the reader sees their own."""
    author = find_user(session, review.author_id)
    subject = subject_for(review.kind)
    if author is None or outcome not in _MESSAGES or (subject and subject.tells_author):
        return
    url = subject.url(review.subject_id) if subject and subject.url else None
    if url is None and has_app_context():
        try:
            url = url_for("approvals.mine", review_id=review.id)
        except (RuntimeError, BuildError):  # no request (job, CLI): a relative link works
            url = f"/review/mine/{review.id}"
    titles = subject.title(session, review.subject_id) if subject and subject.title else None
    notify(session, author, _MESSAGES[outcome], {
        "title": titles or review_title(review), "reason": reason, "comment": comment,
        "days": expiry_days()}, url)


def notify_seniors(session: Session, review: ReviewRequest, actor: User, note: str) -> None:
    """Tell every active senior reviewer (but the escalating one and the author)."""
    for senior in users_with_role(session, Role.SENIOR_COMPLIANCE,
                                  exclude_ids=[actor.id, review.author_id]):
        notify(session, senior, N_("%(reviewer)s escalated “%(title)s” to you: %(note)s"),
               {"reviewer": actor.full_name, "title": review_title(review), "note": note},
               f"/review/{review.id}")
