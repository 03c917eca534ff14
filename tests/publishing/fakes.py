"""Stand-ins for the approvals and content_library APIs publishing calls
(``advisor_hub.publishing.upstream.ApprovalsAPI`` and ``LibraryAPI``).

They keep their state in memory (one instance per test) and implement exactly the functions
``advisor_hub.publishing.upstream`` uses, so publishing is tested through its one seam.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from advisor_hub.content_hash import content_hash
from advisor_hub.db import utcnow
from advisor_hub.errors import DomainError, NotFound, ValidationError
from approvals.services import Fact, SubjectDetails


@dataclass(frozen=True)
class ReviewContent:
    text: str
    link_url: str | None = None
    media_sha256: str | None = None
    media_url: str | None = None
    title: str | None = None


@dataclass
class Review:
    id: int
    kind: str
    subject_id: int
    author_id: int
    content: ReviewContent
    status: str
    content_hash: str
    base_content: ReviewContent | None = None
    comment: str | None = None
    approved_by_id: int | None = None


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


@dataclass(frozen=True)
class Finding:
    message: str


@dataclass(frozen=True)
class Screening:
    findings: list[Finding]
    lexicon_version: int
    blocked: bool

    @property
    def messages(self) -> list[str]:
        return [f.message for f in self.findings]


class FakeApprovals:
    ReviewContent = ReviewContent
    Fact = Fact  # the review page's details keep approvals' own types
    SubjectDetails = SubjectDetails

    def __init__(self) -> None:
        self.reviews: dict[int, Review] = {}
        self.handlers: dict[str, Callable[..., None]] = {}
        self.revoked: set[int] = set()
        self.used: set[int] = set()
        self.banned = ["guaranteed returns"]
        self.disclosures: dict[str | None, list[str]] = {}
        self._ids = itertools.count(1000)
        self.approval_days: int | None = None  # unused approvals never lapse by default

    def register_subject(self, kind: str, *, subject_type: str,
                         on_decision: Callable[..., None],
                         editors: Callable[..., Any], **_options: Any) -> None:
        self.handlers[kind] = on_decision

    def _new(self, kind: str, subject_id: int, author: Any, content: ReviewContent,
             status: str, base: ReviewContent | None = None) -> Review:
        review = Review(next(self._ids), kind, subject_id, author.id, content, status,
                        content_hash(content.text, content.link_url, content.media_sha256),
                        base)
        self.reviews[review.id] = review
        return review

    def submit_for_review(self, session: Any, *, kind: str, subject_id: int, author: Any,
                          content: ReviewContent, networks: list[str], branch_id: int | None,
                          category: str | None = None,
                          base_content: ReviewContent | None = None) -> Review:
        return self._new(kind, subject_id, author, content, "pending", base_content)

    def approve_from_library(self, session: Any, *, kind: str, subject_id: int, author: Any,
                             content: ReviewContent, basis_review_id: int) -> Review:
        if basis_review_id in self.revoked:
            raise DomainError("basis approval no longer stands")
        review = self._new(kind, subject_id, author, content, "approved")
        review.approved_by_id = None
        return review

    def approval_expires(self, kind: str, decided_at: datetime) -> datetime | None:
        if self.approval_days is None or kind != "post":
            return None
        return decided_at + timedelta(days=self.approval_days)

    def reason_texts(self, session: Any, code: str | None) -> dict[str, str]:
        return {"en": f"reason {code}", "fr": f"motif {code}"} if code else {}

    def withdraw(self, session: Any, *, review_id: int, actor: Any) -> None:
        review = self.reviews[review_id]
        review.status = "withdrawn"
        self.handlers[review.kind](session, review.subject_id, "withdrawn", review)

    def decide(self, session: Any, review_id: int, outcome: str, *, comment: str | None = None,
               reviewer_id: int | None = None) -> None:
        """Test helper: what a reviewer's decision does."""
        review = self.reviews[review_id]
        review.status = outcome
        review.comment = comment
        review.approved_by_id = reviewer_id
        self.handlers[review.kind](session, review.subject_id, outcome, review)

    def get_approval(self, session: Any, review_id: int) -> ApprovalInfo | None:
        review = self.reviews.get(review_id)
        if review is None:
            return None
        return ApprovalInfo(review.id, review.status, review.content_hash,
                            review.approved_by_id, None, 1, None,
                            review.status == "approved" and review.id not in self.revoked)

    def get_approvals(self, session: Any, review_ids: Any) -> dict[int, ApprovalInfo]:
        found = {i: self.get_approval(session, i) for i in review_ids}
        return {i: info for i, info in found.items() if info is not None}

    def mark_used(self, session: Any, *, review_ids: Any, at: datetime) -> None:
        self.used.update(review_ids)

    def screen_text(self, session: Any, text: str, *, link_url: str | None = None,
                    allowed_contacts: frozenset[str] = frozenset()) -> Screening:
        findings = [Finding(f"forbidden: {w}") for w in self.banned if w in text.lower()]
        return Screening(findings, 1, bool(findings))

    def screen_texts(self, session: Any, items: list[tuple[str, str | None]]
                     ) -> list[Screening]:
        return [self.screen_text(session, text, link_url=link) for text, link in items]

    def disclosures_for(self, session: Any, *, network: str | None,
                        category: str | None) -> list[str]:
        return list(self.disclosures.get(network, []))

    def apply_disclosures(self, text: str, disclosures: list[str]) -> str:
        return "\n\n".join([text, *disclosures])

    def latest(self, kind: str, subject_id: int) -> Review:
        return [r for r in self.reviews.values()
                if r.kind == kind and r.subject_id == subject_id][-1]


@dataclass
class Version:
    id: int
    item_id: int
    title: str
    text: str
    link_url: str | None
    image_sha256: str | None = None
    image_url: str | None = None
    image_name: str | None = None
    networks: list[str] = field(default_factory=lambda: ["linkedin", "facebook", "x",
                                                         "sandbox"])
    category: str | None = None
    placeholders: list[str] = field(default_factory=lambda: ["advisor_first_name",
                                                             "branch_city"])
    review_id: int = 1
    expires_at: datetime | None = None


@dataclass
class Template:
    id: int
    event_type: str
    text: str
    language: str = "en"
    review_id: int = 2
    placeholders: list[str] = field(default_factory=lambda: ["client_first_name",
                                                             "advisor_first_name"])

    def event_label(self, language: str) -> str:
        return {"wedding": "Mariage" if language == "fr" else "Wedding"}.get(
            self.event_type, self.event_type)


_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


class FakeLibrary:
    def __init__(self) -> None:
        self.versions: dict[int, Version] = {}
        self.templates: dict[int, Template] = {}
        self.retired: set[int] = set()
        self.uses: list[dict[str, Any]] = []

    def add_version(self, text: str = "Meet me at {{ branch_city }}, {{ advisor_first_name }}",
                    **kwargs: Any) -> Version:
        version = Version(id=len(self.versions) + 1, item_id=len(self.versions) + 1,
                          title=kwargs.pop("title", "Savings week"), text=text,
                          link_url=kwargs.pop("link_url", "https://bank.example/savings"),
                          **kwargs)
        self.versions[version.id] = version
        return version

    def add_template(self, text: str = "Congratulations {{ client_first_name }}! "
                                       "{{ advisor_first_name }}") -> Template:
        template = Template(id=len(self.templates) + 1, event_type="wedding", text=text)
        self.templates[template.id] = template
        return template

    def get_version_for_use(self, session: Any, *, version_id: int, advisor: Any,
                            now: datetime | None = None) -> Version:
        if version_id not in self.versions or version_id in self.retired:
            raise NotFound()
        return self.versions[version_id]

    def get_version(self, session: Any, version_id: int) -> Version:
        if version_id not in self.versions:
            raise NotFound()
        return self.versions[version_id]

    def get_template_for_use(self, session: Any, *, template_id: int, advisor: Any) -> Template:
        if template_id not in self.templates:
            raise NotFound()
        return self.templates[template_id]

    def render_placeholders(self, text: str, values: dict[str, str], allowed: Any) -> str:
        allowed = set(allowed)

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in allowed or name not in values:
                raise ValidationError(f"unknown placeholder {name}")
            return values[name]

        return _PLACEHOLDER.sub(sub, text)

    def advisor_values(self, advisor: Any) -> dict[str, str]:
        return {"advisor_first_name": advisor.first_name, "advisor_last_name": advisor.last_name,
                "branch_name": advisor.branch.name if advisor.branch else "",
                "branch_city": advisor.branch.city if advisor.branch else ""}

    def is_version_publishable(self, session: Any, *, version_id: int,
                               now: datetime) -> tuple[bool, str | None]:
        if version_id in self.retired:
            return False, "retired"
        return True, None

    def is_template_publishable(self, session: Any, *, template_id: int,
                                now: datetime) -> tuple[bool, str | None]:
        if template_id not in self.templates:
            return False, "retired"
        return True, None

    def publish_until(self, session: Any, *, version_id: int) -> datetime | None:
        if version_id not in self.versions:
            raise NotFound()
        return self.versions[version_id].expires_at

    def record_use(self, session: Any, **kwargs: Any) -> None:
        self.uses.append(kwargs)


def stamp() -> datetime:
    return utcnow()
