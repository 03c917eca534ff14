"""The kinds of content that can be reviewed, registered by the packages that own them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from advisor_hub.errors import NotFound, ValidationError
from approvals.models import ReviewRequest, ReviewStatus

# on_decision(session, subject_id, outcome, review): the outcome is a final ReviewStatus.
DecisionHandler = Callable[[Session, int, ReviewStatus, ReviewRequest], None]
# editors(session, subject_id): the ids of everyone who wrote or changed the subject.
EditorsProvider = Callable[[Session, int], Iterable[int]]


@dataclass(frozen=True)
class Fact:
    """One attribute an approval covers, for the review page (plain data; the template
    escapes and formats it): a text, a list, a validity window, a link or a picture."""

    label: Any  # a (lazy) string in the reader's language
    text: Any = None
    items: tuple[Any, ...] = ()
    window: bool = False  # ``start``..``end`` is a validity window (either side open)
    start: datetime | None = None
    end: datetime | None = None
    href: str | None = None
    image_url: str | None = None
    warning: Any = None  # what the reviewer should notice about it
    key: str = ""  # a stable name (tests, styling)


@dataclass(frozen=True)
class SubjectDetails:
    """What the owner of a kind tells the reviewer besides the content: the attributes the
    approval covers. ``replaces_content``: they are the content (a linked account's
    profile), shown instead of "As it will be published", under ``heading``."""

    facts: tuple[Fact, ...]
    heading: Any = None
    replaces_content: bool = False


# describe(session, subject_id): the subject's details, None when there is nothing to add.
DescribeSubject = Callable[[Session, int], "SubjectDetails | None"]


# title(session, subject_id): the subject's name in each language ({"en": ..., "fr": ...}),
# for what its author is told (else the review's stored title).
SubjectTitle = Callable[[Session, int], "dict[str, str] | None"]


@dataclass(frozen=True)
class Subject:
    kind: str
    subject_type: str
    on_decision: DecisionHandler
    url: Callable[[int], str] | None = None
    describe: DescribeSubject | None = None
    # Required (keyword-only): a kind that cannot say who edited it cannot be registered.
    editors: EditorsProvider = field(kw_only=True)
    title: SubjectTitle | None = field(default=None, kw_only=True)
    # The owner tells the author itself (in on_decision): approvals then sends nothing,
    # so one decision makes one notification.
    tells_author: bool = field(default=False, kw_only=True)


_subjects: dict[str, Subject] = {}


def register_subject(kind: str, *, subject_type: str, on_decision: DecisionHandler,
                     editors: EditorsProvider,
                     url: Callable[[int], str] | None = None,
                     describe: DescribeSubject | None = None,
                     title: SubjectTitle | None = None,
                     tells_author: bool = False) -> None:
    """Owners of reviewable things register at start-up: ``on_decision(session, subject_id,
    outcome, review)`` is called in the deciding transaction; ``editors(session,
    subject_id)`` names everyone who wrote or changed the subject (none of them may decide
    on it: separation of duties); ``url(subject_id)`` (optional) is where the author's
    notification links to; ``describe(session, subject_id)`` (optional) gives the review
    page the attributes the approval covers; ``title(session, subject_id)`` (optional) names
    it in each language in what its author is told."""
    if not callable(editors):
        raise TypeError(f"review kind {kind!r} registered without an editors provider")
    _subjects[kind] = Subject(kind, subject_type, on_decision, url, describe,
                              editors=editors, title=title, tells_author=tells_author)


def details_of(session: Session, review: ReviewRequest) -> SubjectDetails | None:
    """The owner's details of a review's subject (None: none registered, or the subject is
    gone)."""
    subject = _subjects.get(review.kind)
    if subject is None or subject.describe is None:
        return None
    try:
        return subject.describe(session, review.subject_id)
    except NotFound:
        return None


def subject_for(kind: str) -> Subject | None:
    return _subjects.get(kind)


def require_subject(kind: str) -> Subject:
    """The registered subject of ``kind``; ValidationError for a kind nobody registered."""
    subject = _subjects.get(kind)
    if subject is None:
        raise ValidationError(_l("Unknown kind of content: %(kind)s.", kind=kind))
    return subject


def barred_from_deciding(session: Session, review: ReviewRequest) -> frozenset[int]:
    """Who may not decide on ``review``: its submitter and everyone who edited its subject
    (asked of the subject's owner through its registered ``editors`` provider)."""
    subject = require_subject(review.kind)
    return frozenset({review.author_id, *subject.editors(session, review.subject_id)})
