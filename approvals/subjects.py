"""The kinds of content that can be reviewed, registered by the packages that own them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from advisor_hub.errors import ValidationError
from approvals.models import ReviewRequest, ReviewStatus

# on_decision(session, subject_id, outcome, review): the outcome is a final ReviewStatus.
DecisionHandler = Callable[[Session, int, ReviewStatus, ReviewRequest], None]


@dataclass(frozen=True)
class Subject:
    kind: str
    subject_type: str
    on_decision: DecisionHandler
    url: Callable[[int], str] | None = None


_subjects: dict[str, Subject] = {}


def register_subject(kind: str, *, subject_type: str, on_decision: DecisionHandler,
                     url: Callable[[int], str] | None = None) -> None:
    """Owners of reviewable things register at start-up: ``on_decision(session, subject_id,
    outcome, review)`` is called in the deciding transaction; ``url(subject_id)`` (optional)
    is where the author's notification links to."""
    _subjects[kind] = Subject(kind, subject_type, on_decision, url)


def subject_for(kind: str) -> Subject | None:
    return _subjects.get(kind)


def require_subject(kind: str) -> Subject:
    """The registered subject of ``kind``; ValidationError for a kind nobody registered."""
    subject = _subjects.get(kind)
    if subject is None:
        raise ValidationError(_l("Unknown kind of content: %(kind)s.", kind=kind))
    return subject
