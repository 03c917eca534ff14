"""Every call publishing makes into approvals and content_library, in one place.

Those packages are written in parallel; if a signature changes, this module is the one file
to fix. The providers ``approvals_api()`` and ``library_api()`` return the modules; tests
replace them with fakes that implement the same functions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User

log = logging.getLogger(__name__)


def _approvals_module() -> Any:
    from approvals import services

    return services


def _library_module() -> Any:
    from content_library import services

    return services


# Replaced by tests (``monkeypatch.setattr(upstream, "approvals_api", lambda: fake)``).
approvals_api: Callable[[], Any] = _approvals_module
library_api: Callable[[], Any] = _library_module


@dataclass(frozen=True)
class Content:
    """What is sent, and what the reviewer approves: the exact text, link and media."""

    text: str
    link_url: str | None = None
    media_sha256: str | None = None
    media_url: str | None = None
    title: str | None = None


def _review_content(api: ModuleType | Any, content: Content | None) -> Any:
    if content is None:
        return None
    return api.ReviewContent(text=content.text, link_url=content.link_url,
                             media_sha256=content.media_sha256, media_url=content.media_url,
                             title=content.title)


# -- approvals --------------------------------------------------------------------------------


def register_subject(kind: str, *, subject_type: str,
                     on_decision: Callable[[Session, int, str, Any], None],
                     describe: Callable[[Session, int], Any] | None = None) -> bool:
    """Register a review kind; False (logged) while the approvals package lacks its API.
    ``describe`` (optional) gives the review page the subject's details (``subject_details``)."""
    try:
        api = approvals_api()
        extra = {"describe": describe} if describe is not None else {}
        api.register_subject(kind, subject_type=subject_type, on_decision=on_decision, **extra)
    except (ImportError, AttributeError) as error:
        log.warning("approvals API not available yet, %s not registered: %s", kind, error)
        return False
    return True


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
                                approved_by_id=getattr(info, "approved_by_id", None),
                                status=str(getattr(info, "status", "")),
                                expires_at=getattr(info, "expires_at", None))
            for review_id, info in infos.items()}


def approval_expires(kind: str, decided_at: datetime) -> datetime | None:
    """Until when an approval of ``kind`` given at ``decided_at`` stands unused."""
    expires = approvals_api().approval_expires(kind, decided_at)
    return expires if isinstance(expires, datetime) else None


def mark_used(session: Session, *, review_ids: Iterable[int | None], at: datetime) -> None:
    """Tell approvals its approvals were used (an approval used in time does not lapse)."""
    mark = getattr(approvals_api(), "mark_used", None)
    ids = [i for i in review_ids if i is not None]
    if mark is not None and ids:
        mark(session, review_ids=ids, at=at)


@dataclass(frozen=True)
class Screening:
    blocked: bool
    messages: list[str]
    lexicon_version: int | None


def _screening(result: Any) -> Screening:
    messages = [str(getattr(f, "message", f)) for f in getattr(result, "findings", [])]
    return Screening(blocked=bool(result.blocked), messages=messages,
                     lexicon_version=getattr(result, "lexicon_version", None))


def screen_text(session: Session, text: str, *, link_url: str | None = None) -> Screening:
    return _screening(approvals_api().screen_text(session, text, link_url=link_url))


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
        link_url=v.link_url or None, media_sha256=getattr(v, "image_sha256", None) or None,
        media_url=getattr(v, "image_url", None) or None,
        networks=list(v.networks) if getattr(v, "networks", None) else None,
        category=getattr(v, "category", None) or None,
        placeholders=list(getattr(v, "placeholders", None) or []),
        review_id=getattr(v, "review_id", None),
        expires_at=getattr(v, "expires_at", None),
    )


def publish_until(session: Session, *, version_id: int) -> datetime | None:
    """The end of a library version's validity window (None: no end)."""
    until = library_api().publish_until(session, version_id=version_id)
    return until if isinstance(until, datetime) else None


TEMPLATE_PLACEHOLDERS = ["client_first_name", "advisor_first_name", "advisor_last_name",
                         "branch_name", "branch_city"]


def template_for_use(session: Session, *, template_id: int, advisor: User) -> LibrarySource:
    t = library_api().get_template_for_use(session, template_id=template_id, advisor=advisor)
    return LibrarySource(
        kind="life_event", id=int(t.id), title=str(t.event_type), text=str(t.text),
        link_url=None, media_sha256=None, media_url=None, networks=None, category=None,
        placeholders=list(getattr(t, "placeholders", None)
                          or getattr(library_api(), "TEMPLATE_PLACEHOLDERS", None)
                          or TEMPLATE_PLACEHOLDERS),
        review_id=getattr(t, "review_id", None),
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
    check = getattr(library_api(), "is_template_publishable", None)
    if check is None:  # not offered: the post's own approval is re-checked anyway
        return True, None
    ok, reason = check(session, template_id=template_id, now=now)
    return bool(ok), reason


@dataclass(frozen=True)
class LibraryImage:
    """The image stored with a library version: its name, recorded hash and file."""

    name: str
    sha256: str | None
    path: Path | None  # None when no such file is stored under the upload folder


def library_image(session: Session, *, version_id: int, upload_folder: str) -> LibraryImage | None:
    """The version's image, or None when it has none. NotFound for an unknown version."""
    from content_library.images import image_path

    version = library_api().get_version(session, version_id)
    name = getattr(version, "image_name", None)
    if not name:
        return None
    return LibraryImage(name=str(name), sha256=getattr(version, "image_sha256", None) or None,
                        path=image_path(upload_folder, str(name)))


def record_use(session: Session, *, version_id: int | None, template_id: int | None,
               advisor_id: int, network: str, published_at: datetime,
               post_url: str | None) -> None:
    library_api().record_use(session, version_id=version_id, template_id=template_id,
                             advisor_id=advisor_id, network=network, published_at=published_at,
                             post_url=post_url)
