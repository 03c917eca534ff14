"""The approvals package's public services: what other packages (and the compliance screens)
call. The code lives in modules by job; this facade re-exports it.

- ``subjects``: ``register_subject``, ``subject_for``, ``barred_from_deciding`` (the kinds
  of reviewable content and who may not decide on them);
- ``submission``: ``submit_for_review``, ``approve_from_library``, ``withdraw``,
  ``ReviewContent``;
- ``standing``: ``get_approval(s)``, ``mark_used``, ``expire_reviews``, ``ApprovalInfo``;
  ``Fact``/``SubjectDetails``/``details_of`` (what the owner shows on the review page);
- ``periods``: ``approval_expires(kind, decided_at)``, ``expiry_days``, ``claim_minutes``;
- ``claims`` and ``decisions``: ``claim``, ``claim_refusal``, ``release``, ``claim_holder``,
  ``decide``;
- ``reading``: ``get_review``, ``get_own_review``, ``author_history``, ``subject_history``,
  ``decisions_of``;
- the policy: ``screen_text(s)``, ``Screening``, ``disclosures_for``, ``apply_disclosures``;
- the states: ``ReviewStatus``, ``Verdict``, ``DecisionKind`` (from ``approvals.models``).
"""

from __future__ import annotations

from approvals.access import REVIEWERS
from approvals.claims import claim, claim_holder, claim_refusal, release
from approvals.decisions import MAX_COMMENT, decide
from approvals.disclosures import apply_disclosures, disclosures_for
from approvals.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    DecisionKind,
    ReviewStatus,
    Verdict,
)
from approvals.periods import APPROVAL_EXPIRY_KINDS, approval_expires, claim_minutes, expiry_days
from approvals.reading import (
    author_history,
    decisions_of,
    get_own_review,
    get_review,
    subject_history,
)
from approvals.screening import Screening, screen_text, screen_texts
from approvals.settings import reason_texts
from approvals.standing import ApprovalInfo, expire_reviews, get_approval, get_approvals, mark_used
from approvals.subjects import (
    DecisionHandler,
    EditorsProvider,
    Fact,
    Subject,
    SubjectDetails,
    barred_from_deciding,
    details_of,
    register_subject,
    subject_for,
)
from approvals.submission import ReviewContent, approve_from_library, submit_for_review, withdraw

__all__ = [
    "APPROVAL_EXPIRY_KINDS", "FINAL_STATUSES", "MAX_COMMENT", "OPEN_STATUSES", "REVIEWERS",
    "ApprovalInfo", "DecisionHandler", "Fact", "SubjectDetails", "approval_expires",
    "details_of", "DecisionKind", "EditorsProvider", "ReviewContent",
    "ReviewStatus", "Screening", "Subject", "Verdict", "apply_disclosures",
    "approve_from_library", "author_history", "barred_from_deciding", "claim", "claim_holder",
    "claim_minutes", "claim_refusal", "decide", "decisions_of", "disclosures_for",
    "expire_reviews", "expiry_days", "get_approval", "get_approvals", "get_own_review",
    "get_review", "mark_used", "register_subject", "release", "screen_text", "screen_texts",
    "subject_for", "subject_history", "submit_for_review", "withdraw", "reason_texts",
]
