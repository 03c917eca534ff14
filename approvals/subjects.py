"""The kinds of content that can be reviewed, registered by the packages that own them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from advisor_hub.errors import ValidationError
from approvals.models import ReviewRequest, ReviewStatus

# on_decision(session, subject_id, outcome, review): the outcome is a final ReviewStatus.
DecisionHandler = Callable[[Session, int, ReviewStatus, ReviewRequest], None]
# editors(session, subject_id): the ids of everyone who wrote or changed the subject.
EditorsProvider = Callable[[Session, int], Iterable[int]]


@dataclass(frozen=True)
class Subject:
    kind: str
    subject_type: str
    on_decision: DecisionHandler
    url: Callable[[int], str] | None = None
    # Required (keyword-only): a kind that cannot say who edited it cannot be registered.
    editors: EditorsProvider = field(kw_only=True)


_subjects: dict[str, Subject] = {}


def register_subject(kind: str, *, subject_type: str, on_decision: DecisionHandler,
                     editors: EditorsProvider,
                     url: Callable[[int], str] | None = None) -> None:
    """Owners of reviewable things register at start-up: ``on_decision(session, subject_id,
    outcome, review)`` is called in the deciding transaction; ``editors(session,
    subject_id)`` names everyone who wrote or changed the subject (none of them may decide
    on it: separation of duties); ``url(subject_id)`` (optional) is where the author's
    notification links to."""
    if not callable(editors):
        raise TypeError(f"review kind {kind!r} registered without an editors provider")
    _subjects[kind] = Subject(kind, subject_type, on_decision, url, editors=editors)


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
