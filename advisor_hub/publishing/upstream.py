"""Every call publishing makes into approvals and content_library, in one typed adapter.

The providers ``approvals_api()`` and ``library_api()`` return the owning packages' public
service modules (``approvals.services``, ``content_library.services``); tests replace them with
fakes that implement the same functions. ``ApprovalsAPI`` and ``LibraryAPI`` list what
publishing relies on: ``check_contracts`` runs at start-up (a check of the publishing
feature) and refuses to start when a function is missing. Nothing here has a default: a
missing function raises, it never means "the approval stands" or "publishable".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from flask_babel import gettext
from sqlalchemy.orm import Session

import approvals.services
import content_library.services
from advisor_hub.accounts.models import User
from advisor_hub.wiring import WiringError
from content_library.images import image_path
from content_library.rendering import TEMPLATE_PLACEHOLDERS


class ApprovalsAPI(Protocol):
    """What publishing calls in ``approvals.services``."""

    @property
    def Fact(self) -> Callable[..., Any]: ...

    def SubjectDetails(self, *, facts: tuple[Any, ...], heading: Any = ...,
                       replaces_content: bool = ...) -> Any: ...

    def approval_expires(self, kind: str, decided_at: datetime) -> datetime | None: ...

    def ReviewContent(self, *, text: str, link_url: str | None = ...,
                      media_sha256: str | None = ..., media_url: str | None = ...,
                      title: str | None = ...) -> Any: ...

    def submit_for_review(self, session: Session, *, kind: str, subject_id: int,
                          author: User, content: Any, networks: list[str],
                          branch_id: int | None, category: str | None = ...,
                          base_content: Any = ...) -> Any: ...

    def approve_from_library(self, session: Session, *, kind: str, subject_id: int,
                             author: User, content: Any, basis_review_id: int) -> Any: ...

    def withdraw(self, session: Session, *, review_id: int, actor: User) -> None: ...

    def reason_texts(self, session: Session, code: str | None) -> dict[str, str]: ...

    def get_approvals(self, session: Session, review_ids: Iterable[int]) -> dict[int, Any]: ...

    def mark_used(self, session: Session, *, review_ids: Iterable[int],
                  at: datetime) -> None: ...

    def screen_text(self, session: Session, text: str, *, link_url: str | None = ...) -> Any: ...

    def screen_texts(self, session: Session, items: list[tuple[str, str | None]]
                     ) -> list[Any]: ...

    def disclosures_for(self, session: Session, *, network: str | None,
                        category: str | None) -> list[str]: ...

    def apply_disclosures(self, text: str, disclosures: list[str]) -> str: ...


class LibraryAPI(Protocol):
    """What publishing calls in ``content_library.services``."""

    def publish_until(self, session: Session, *, version_id: int) -> datetime | None: ...

    def get_version_for_use(self, session: Session, *, version_id: int, advisor: User,
                            now: datetime | None = ...) -> Any: ...

    def get_template_for_use(self, session: Session, *, template_id: int,
                             advisor: User) -> Any: ...

    def get_version(self, session: Session, version_id: int) -> Any: ...

    def render_placeholders(self, text: str, values: dict[str, str],
                            allowed: Iterable[str]) -> str: ...

    def advisor_values(self, advisor: User) -> dict[str, str]: ...

    def is_version_publishable(self, session: Session, *, version_id: int,
                               now: datetime) -> tuple[bool, str | None]: ...

    def is_template_publishable(self, session: Session, *, template_id: int,
                                now: datetime) -> tuple[bool, str | None]: ...

    def record_use(self, session: Session, *, version_id: int | None,
                   template_id: int | None, advisor_id: int, network: str,
                   published_at: datetime, post_url: str | None) -> None: ...


def _approvals_module() -> ApprovalsAPI:
    return approvals.services


def _library_module() -> LibraryAPI:
    return content_library.services


# Replaced by tests (``monkeypatch.setattr(upstream, "approvals_api", lambda: fake)``).
approvals_api: Callable[[], ApprovalsAPI] = _approvals_module
library_api: Callable[[], LibraryAPI] = _library_module


class ContractError(WiringError):
    """An API publishing relies on lacks a function: the app must not start."""


def _members(protocol: type) -> list[str]:
    names = set(getattr(protocol, "__annotations__", {}))
    names.update(n for n, v in vars(protocol).items() if callable(v) and not n.startswith("_"))
    return sorted(n for n in names if not n.startswith("_"))


def missing(api: object, protocol: type) -> list[str]:
    """The members of ``protocol`` that ``api`` does not provide (callable)."""
    return [name for name in _members(protocol) if not callable(getattr(api, name, None))]


def check_contracts() -> None:
    """Start-up check: both providers offer every function publishing calls."""
    for label, api, protocol in (("approvals", approvals_api(), ApprovalsAPI),
                                 ("content_library", library_api(), LibraryAPI)):
        if absent := missing(api, protocol):
            raise ContractError(f"the {label} API lacks what publishing calls: "
                                f"{', '.join(absent)}")


@dataclass(frozen=True)
class Content:
    """What is sent, and what the reviewer approves: the exact text, link and media."""

    text: str
    link_url: str | None = None
    media_sha256: str | None = None
    media_url: str | None = None
    title: str | None = None


def _review_content(api: ApprovalsAPI, content: Content | None) -> Any:
    if content is None:
        return None
    return api.ReviewContent(text=content.text, link_url=content.link_url,
                             media_sha256=content.media_sha256, media_url=content.media_url,
                             title=content.title)


# -- approvals --------------------------------------------------------------------------------


def subject_details(facts: list[dict[str, Any]], *, heading: Any = None,
                    replaces_content: bool = False) -> Any:
    """The review page's details of a subject, in approvals' own types (``facts``: the
    keyword arguments of ``approvals.services.Fact``)."""
    api = approvals_api()
    return api.SubjectDetails(facts=tuple(api.Fact(**fact) for fact in facts),
                              heading=heading, replaces_content=replaces_content)


def submit_for_review(session: Session, *, kind: str, subject_id: int, author: User,
                      content: Content, networks: list[str], branch_id: int | None,
                      category: str | None = None, base_content: Content | None = None) -> int:
    """Enter the moderation queue; returns the review id."""
    api = approvals_api()
    review = api.submit_for_review(
        session, kind=kind, subject_id=subject_id, author=author,
        content=_review_content(api, content), networks=networks, branch_id=branch_id,
        category=category, base_content=_review_content(api, base_content),
    )
    return int(review.id)


def approve_from_library(session: Session, *, kind: str, subject_id: int, author: User,
                         content: Content, basis_review_id: int) -> int:
    """An unedited library item/template: approved at once; returns the review id."""
    api = approvals_api()
    review = api.approve_from_library(
        session, kind=kind, subject_id=subject_id, author=author,
        content=_review_content(api, content), basis_review_id=basis_review_id,
    )
    return int(review.id)


def withdraw(session: Session, *, review_id: int, actor: User) -> None:
    approvals_api().withdraw(session, review_id=review_id, actor=actor)


@dataclass(frozen=True)
class Approval:
    review_id: int
    stands: bool
    content_hash: str | None
    approved_by_id: int | None
    status: str
    expires_at: datetime | None = None  # an unused approval lapses then (None: never)


def get_approval(session: Session, review_id: int | None) -> Approval | None:
    if review_id is None:
        return None
    return get_approvals(session, [review_id]).get(review_id)


def get_approvals(session: Session, review_ids: Iterable[int | None]) -> dict[int, Approval]:
    """The approvals of many reviews at once (one batch of the dispatcher)."""
    ids = {i for i in review_ids if i is not None}
    if not ids:
        return {}
    infos = approvals_api().get_approvals(session, ids)
    return {review_id: Approval(review_id=review_id, stands=bool(info.stands),
                                content_hash=info.content_hash,
                                approved_by_id=info.approved_by_id, status=str(info.status),
                                expires_at=info.expires_at)
            for review_id, info in infos.items()}


def approval_expires(kind: str, decided_at: datetime) -> datetime | None:
    """Until when an approval of ``kind`` given at ``decided_at`` stands unused."""
    expires = approvals_api().approval_expires(kind, decided_at)
    return expires if isinstance(expires, datetime) else None


def reason_texts(session: Session, code: str | None) -> dict[str, str]:
    """A rejection reason's label in each language (what the author is told)."""
    return dict(approvals_api().reason_texts(session, code))


def mark_used(session: Session, *, review_ids: Iterable[int | None], at: datetime) -> None:
    """Tell approvals its approvals were used (an approval used in time does not lapse)."""
    ids = [i for i in review_ids if i is not None]
    if ids:
        approvals_api().mark_used(session, review_ids=ids, at=at)


@dataclass(frozen=True)
class Screening:
    blocked: bool
    messages: list[str]
    lexicon_version: int | None


def _screening(result: Any) -> Screening:
    messages = [str(m) for m in result.messages]  # in the reader's language
    return Screening(blocked=bool(result.blocked), messages=messages,
                     lexicon_version=result.lexicon_version)


def screen_text(session: Session, text: str, *, link_url: str | None = None) -> Screening:
    return _screening(approvals_api().screen_text(session, text, link_url=link_url))


@dataclass(frozen=True)
class TypingFinding:
    """One policy finding on a text being typed, in the reader's language, with the
    lexicon's advice (its note) when it has one."""

    severity: str
    message: str
    advice: str | None
    start: int
    end: int
    excerpt: str
    in_link: bool = False

    @property
    def blocks(self) -> bool:
        return self.severity == "block"

    def as_json(self) -> dict[str, Any]:
        return {"severity": self.severity, "message": self.message, "advice": self.advice,
                "start": self.start, "end": self.end, "excerpt": self.excerpt,
                "in_link": self.in_link, "blocks": self.blocks}


def _in_language(finding: Any) -> str:
    params = {k: str(v) for k, v in dict(finding.params).items()}
    try:
        return str(gettext(finding.message_id, **params))
    except (KeyError, ValueError, TypeError):
        return str(finding.message)


def screen_findings(session: Session, text: str, link_url: str | None = None
                    ) -> list[TypingFinding]:
    """The findings the policy in force has on ``text`` (and its link), for the composer."""
    result = approvals_api().screen_text(session, text, link_url=link_url)
    found = [(f, text, False) for f in result.findings]
    found += [(f, link_url or "", True) for f in getattr(result, "link_findings", [])]
    return [TypingFinding(str(f.severity), _in_language(f), f.note or None, f.start, f.end,
                          source[f.start:f.end], in_link)
            for f, source, in_link in found]


def screen_texts(session: Session, items: list[tuple[str, str | None]]) -> list[Screening]:
    """Screen (text, link) pairs against one lexicon version (a dispatch batch)."""
    return [_screening(r) for r in approvals_api().screen_texts(session, items)]


def disclosures_for(session: Session, *, networks: Iterable[str],
                    category: str | None) -> list[str]:
    """The disclosures every chosen network requires, in order, without repeats.

    One text for all the chosen networks keeps one approval (one content hash) per post.
    """
    api = approvals_api()
    found: list[str] = []
    for network in networks:
        for disclosure in api.disclosures_for(session, network=network, category=category):
            if disclosure not in found:
                found.append(disclosure)
    return found


def apply_disclosures(text: str, disclosures: list[str]) -> str:
    return str(approvals_api().apply_disclosures(text, disclosures))


# -- content library ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LibrarySource:
    """A library version or life-event template as the composer uses it."""

    kind: str  # "library" | "life_event"
    id: int
    title: str
    text: str
    link_url: str | None
    media_sha256: str | None
    media_url: str | None
    networks: list[str] | None
    category: str | None
    placeholders: list[str]
    review_id: int | None
    expires_at: datetime | None = None  # the end of the validity window (exclusive)


def version_for_use(session: Session, *, version_id: int, advisor: User,
                    now: datetime | None = None) -> LibrarySource:
    v = library_api().get_version_for_use(session, version_id=version_id, advisor=advisor,
                                          now=now)
    return LibrarySource(
        kind="library", id=int(v.id), title=str(v.title), text=str(v.text),
        link_url=v.link_url or None, media_sha256=v.image_sha256 or None,
        media_url=v.image_url or None, networks=list(v.networks) if v.networks else None,
        category=v.category or None, placeholders=list(v.placeholders or []),
        review_id=v.review_id, expires_at=getattr(v, "expires_at", None),
    )


def publish_until(session: Session, *, version_id: int) -> datetime | None:
    """The end of a library version's validity window (None: no end)."""
    until = library_api().publish_until(session, version_id=version_id)
    return until if isinstance(until, datetime) else None


def template_for_use(session: Session, *, template_id: int, advisor: User) -> LibrarySource:
    t = library_api().get_template_for_use(session, template_id=template_id, advisor=advisor)
    return LibrarySource(
        kind="life_event", id=int(t.id), title=str(t.event_label(advisor.language)),
        text=str(t.text),
        link_url=None, media_sha256=None, media_url=None, networks=None, category=None,
        placeholders=list(TEMPLATE_PLACEHOLDERS), review_id=t.review_id,
    )


def render_placeholders(text: str, values: dict[str, str], allowed: Iterable[str]) -> str:
    return str(library_api().render_placeholders(text, values, allowed))


def advisor_values(advisor: User) -> dict[str, str]:
    return dict(library_api().advisor_values(advisor))


def is_version_publishable(session: Session, *, version_id: int,
                           now: datetime) -> tuple[bool, str | None]:
    ok, reason = library_api().is_version_publishable(session, version_id=version_id, now=now)
    return bool(ok), reason


def is_template_publishable(session: Session, *, template_id: int,
                            now: datetime) -> tuple[bool, str | None]:
    ok, reason = library_api().is_template_publishable(session, template_id=template_id,
                                                       now=now)
    return bool(ok), reason


@dataclass(frozen=True)
class LibraryImage:
    """The image stored with a library version: its name, recorded hash and file."""

    name: str
    sha256: str | None
    path: Path | None  # None when no such file is stored under the upload folder


def library_image(session: Session, *, version_id: int, upload_folder: str) -> LibraryImage | None:
    """The version's image, or None when it has none. NotFound for an unknown version."""
    version = library_api().get_version(session, version_id)
    name = version.image_name
    if not name:
        return None
    return LibraryImage(name=str(name), sha256=version.image_sha256 or None,
                        path=image_path(upload_folder, str(name)))


def record_use(session: Session, *, version_id: int | None, template_id: int | None,
               advisor_id: int, network: str, published_at: datetime,
               post_url: str | None) -> None:
    library_api().record_use(session, version_id=version_id, template_id=template_id,
                             advisor_id=advisor_id, network=network, published_at=published_at,
                             post_url=post_url)
