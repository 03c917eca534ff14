"""Review requests and decisions; the policy compliance keeps (lexicon, links, disclosures)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Final

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, validates

from advisor_hub.db import Base, utcnow


class ReviewStatus(enum.StrEnum):
    """Where a review request is. Open: pending, escalated; every other status is final and
    is the outcome the subject's owner is told (``on_decision``)."""

    PENDING = "pending"
    ESCALATED = "escalated"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES

    @property
    def tone(self) -> str:
        """The colour family of its badge (a Bootstrap contextual name)."""
        return _TONES[self]


OPEN_STATUSES: Final = (ReviewStatus.PENDING, ReviewStatus.ESCALATED)
# The statuses that end a review: the outcomes owners of subjects are told about.
FINAL_STATUSES: Final = frozenset(ReviewStatus) - frozenset(OPEN_STATUSES)
_TONES: Final = {
    ReviewStatus.PENDING: "secondary", ReviewStatus.ESCALATED: "warning",
    ReviewStatus.APPROVED: "success", ReviewStatus.REJECTED: "danger",
    ReviewStatus.CHANGES_REQUESTED: "info", ReviewStatus.EXPIRED: "dark",
    ReviewStatus.WITHDRAWN: "light",
}


class Verdict(enum.StrEnum):
    """What a reviewer chooses on the review page (``decide(decision=...)``)."""

    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"
    ESCALATE = "escalate"

    @property
    def outcome(self) -> ReviewStatus:
        """The status the review takes when the verdict is recorded."""
        return _VERDICT_OUTCOMES[self]


_VERDICT_OUTCOMES: Final = {
    Verdict.APPROVE: ReviewStatus.APPROVED, Verdict.REJECT: ReviewStatus.REJECTED,
    Verdict.REQUEST_CHANGES: ReviewStatus.CHANGES_REQUESTED,
    Verdict.ESCALATE: ReviewStatus.ESCALATED,
}


class DecisionKind(enum.StrEnum):
    """What one row of a review's decision log (and its archive record) says happened."""

    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"
    ESCALATED = "escalated"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    # An unedited library item used by an advisor: approved by the system at once.
    APPROVED_FROM_LIBRARY = "approved_from_library"


class LinkKind(enum.StrEnum):
    """What a link rule does to posts linking to its domain."""

    ALLOW = "allow"
    DENY = "deny"


def stored_by_value(states: type[enum.StrEnum], length: int) -> Enum:
    """A VARCHAR column holding the enum's values (no database enum type, no CHECK
    constraint: the schema is the migrations' ``String(length)``); an unknown value is
    refused on write."""
    return Enum(states, native_enum=False, create_constraint=False, length=length,
                values_callable=lambda members: [m.value for m in members],
                validate_strings=True)


class ReviewRequest(Base):
    """One item awaiting (or having had) a compliance decision, with the exact content."""

    __tablename__ = "review_requests"
    __table_args__ = (
        Index("ix_review_requests_status_submitted", "status", "submitted_at"),
        Index("ix_review_requests_subject", "kind", "subject_id"),
        Index("ix_review_requests_author_decided", "author_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    networks: Mapped[list[str]] = mapped_column(JSON, default=list)
    category: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[ReviewStatus] = mapped_column(stored_by_value(ReviewStatus, 32),
                                                 default=ReviewStatus.PENDING)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    findings_count: Mapped[int] = mapped_column(Integer, default=0)
    blocking_count: Mapped[int] = mapped_column(Integer, default=0)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The exact content as it will be published (disclosures included) and its hash.
    title: Mapped[str | None] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    link_url: Mapped[str | None] = mapped_column(String(2000))
    media_sha256: Mapped[str | None] = mapped_column(String(64))
    media_url: Mapped[str | None] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64))
    # The library text an advisor edited (the review page shows the diff).
    base_text: Mapped[str | None] = mapped_column(Text)
    base_link_url: Mapped[str | None] = mapped_column(String(2000))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    escalation_note: Mapped[str | None] = mapped_column(Text)
    override_justification: Mapped[str | None] = mapped_column(Text)
    lexicon_version: Mapped[int] = mapped_column(Integer, default=0)
    # Claims: who is working on the item, until when.
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claim_expires_at: Mapped[datetime | None]
    # Approvals: until when they stand, whether they were used, what they rest on.
    expires_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    basis_review_id: Mapped[int | None] = mapped_column(ForeignKey("review_requests.id"))
    # Optimistic lock: every state change bumps it (conditional UPDATE ... WHERE version=).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=sql_text("1"))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @validates("status")
    def _as_status(self, _key: str, value: str) -> ReviewStatus:
        return ReviewStatus(value)

    @property
    def was_escalated(self) -> bool:
        """Escalated once, and no longer waiting as escalated (decided, withdrawn...)."""
        return self.escalation_level > 0 and self.status != ReviewStatus.ESCALATED

    def __repr__(self) -> str:
        return f"<ReviewRequest {self.id} {self.kind}:{self.subject_id} {self.status}>"


class ReviewDecision(Base):
    """Every decision on a review, in order (escalation, then the senior's decision...)."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review_requests.id"), index=True)
    decision: Mapped[DecisionKind] = mapped_column(stored_by_value(DecisionKind, 32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    lexicon_version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    @validates("decision")
    def _as_kind(self, _key: str, value: str) -> DecisionKind:
        return DecisionKind(value)


class LexiconVersion(Base):
    """One version of the policy (lexicon and link rules): who changed what, when."""

    __tablename__ = "lexicon_versions"

    id: Mapped[int] = mapped_column(primary_key=True)  # the version number
    # Distinguishes two versions with the same number (rolled-back transactions, test runs):
    # the compiled-policy cache is keyed by (id, token).
    token: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def in_language(english: str, french: str | None, language: str | None) -> str:
    """A bilingual text compliance keeps, in ``language`` (the English one when the
    French one is missing)."""
    if str(language or "")[:2] == "fr" and french:
        return french
    return english or french or ""


class LexiconEntry(Base):
    """A lexicon term, valid from the version that added it until the one that removed it."""

    __tablename__ = "lexicon_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(200))
    folded: Mapped[str] = mapped_column(String(200), index=True)
    language: Mapped[str] = mapped_column(String(8), default="any")
    severity: Mapped[str] = mapped_column(String(8), default="flag")
    # Why the term is a problem, in English and in French (compliance writes both; a
    # reader sees their own language, the English text when the French one is empty).
    note: Mapped[str] = mapped_column(String(500), default="")
    note_fr: Mapped[str] = mapped_column(String(500), default="", server_default="")
    added_in: Mapped[int] = mapped_column(ForeignKey("lexicon_versions.id"))
    removed_in: Mapped[int | None] = mapped_column(ForeignKey("lexicon_versions.id"), index=True)


class LinkRule(Base):
    """A domain compliance allows or denies (changes also make a new policy version)."""

    __tablename__ = "link_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(253))
    kind: Mapped[LinkKind] = mapped_column(stored_by_value(LinkKind, 8))

    @validates("kind")
    def _as_kind(self, _key: str, value: str) -> LinkKind:
        return LinkKind(value)

    @property
    def denies(self) -> bool:
        return self.kind == LinkKind.DENY
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Disclosure(Base):
    """Text appended to every post of a network and/or category (e.g. "#PUB")."""

    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(1000))
    network: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReasonCode(Base):
    """Why an item was rejected: the list compliance keeps."""

    __tablename__ = "reason_codes"

    def label_in(self, language: str | None) -> str:
        """The label in ``language`` (French, else English)."""
        return in_language(self.label, self.label_fr, language)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))  # English
    label_fr: Mapped[str] = mapped_column(String(200), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ReviewSettings(Base):
    """The service-level target (one row)."""

    __tablename__ = "review_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    sla_minutes: Mapped[int] = mapped_column(Integer, default=240)
    sla_business_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
