"""Fixtures for the approvals tests: a test-only subject kind and a few helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.orm import Session

from approvals import services
from approvals.models import ReviewRequest

TEST_KIND = "test_item"


@dataclass
class Calls:
    """What the subject owner's ``on_decision`` handler was told."""

    seen: list[tuple[int, str, int]] = field(default_factory=list)

    def __call__(self, session: Session, subject_id: int, outcome: str,
                 review: ReviewRequest) -> None:
        self.seen.append((subject_id, outcome, review.id))


CALLS = Calls()
# Who edited a test item, by subject id (the submitter is barred from deciding anyway).
EDITORS: dict[int, set[int]] = {}
services.register_subject(TEST_KIND, subject_type="test_items", on_decision=CALLS,
                          editors=lambda session, subject_id: EDITORS.get(subject_id, set()))


@pytest.fixture
def decisions_seen() -> Calls:
    CALLS.seen.clear()
    return CALLS


@pytest.fixture
def submit(db_session: Session) -> Any:
    counter = iter(range(1, 1_000_000))

    def _submit(author: Any, text: str = "A balanced note on savings.", **kwargs: Any
                ) -> ReviewRequest:
        content = kwargs.pop("content", None) or services.ReviewContent(
            text=text, link_url=kwargs.pop("link_url", None), title=kwargs.pop("title", None))
        return services.submit_for_review(
            db_session, kind=kwargs.pop("kind", TEST_KIND),
            subject_id=kwargs.pop("subject_id", next(counter)), author=author,
            content=content, networks=kwargs.pop("networks", ["linkedin"]),
            branch_id=kwargs.pop("branch_id", author.branch_id), **kwargs)

    return _submit
