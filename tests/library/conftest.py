"""Library test helpers: a curator, a reviewer, items, and a stand-in for the approvals seam.

Most tests replace ``content_library.review.submit`` by a fake that hands out review ids and
deliver decisions to the library's handlers exactly as approvals' ``on_decision`` callback does
(fast, and independent of the policy engine); tests that request ``real_approvals`` go through
the approvals package itself (test_with_approvals.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from approvals.models import ReviewStatus
from content_library import life_events, review, services
from content_library.models import LibraryItemVersion, LifeEventTemplate


@dataclass
class FakeApprovals:
    submitted: list[dict[str, Any]] = field(default_factory=list)
    revoked: set[int] = field(default_factory=set)
    _ids: Any = field(default_factory=lambda: itertools.count(1000))

    def submit(self, session: Session, **kwargs: Any) -> int:
        review_id = next(self._ids)
        self.submitted.append({**kwargs, "id": review_id})
        return review_id

    def stands(self, session: Session, review_id: int | None) -> bool:
        return review_id is not None and review_id not in self.revoked


@pytest.fixture
def real_approvals(app: Any) -> None:
    """Request this fixture to go through the real approvals package instead of the fake
    (the app registers the library's review kinds with approvals: advisor_hub.features)."""


@pytest.fixture(autouse=True)
def approvals(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
              ) -> FakeApprovals | None:
    if "real_approvals" in request.fixturenames:
        return None
    fake = FakeApprovals()
    monkeypatch.setattr(review, "submit", fake.submit)
    monkeypatch.setattr(review, "approval_stands", fake.stands)
    return fake


def decide(session: Session, subject: LibraryItemVersion | LifeEventTemplate, outcome: str,
           reviewer: User) -> None:
    handler = (services.on_item_decision if isinstance(subject, LibraryItemVersion)
               else life_events.on_template_decision)
    handler(session, subject.id, outcome,
            SimpleNamespace(id=subject.review_id, decided_by_id=reviewer.id))


def fields(**overrides: Any) -> services.ItemFields:
    values: dict[str, Any] = {"title": "Save for your projects",
                              "text": "Open a savings account today.",
                              "networks": ["linkedin", "x"]}
    values.update(overrides)
    return services.ItemFields(**values)


@dataclass
class Library:
    session: Session
    curator: User
    reviewer: User

    def draft(self, **overrides: Any) -> LibraryItemVersion:
        return services.create_item(self.session, actor=self.curator, fields=fields(**overrides))

    def approved(self, **overrides: Any) -> LibraryItemVersion:
        version = self.draft(**overrides)
        services.submit_version(self.session, actor=self.curator, version_id=version.id)
        decide(self.session, version, ReviewStatus.APPROVED, self.reviewer)
        return version

    def approve(self, version: LibraryItemVersion) -> LibraryItemVersion:
        services.submit_version(self.session, actor=self.curator, version_id=version.id)
        decide(self.session, version, ReviewStatus.APPROVED, self.reviewer)
        return version


@pytest.fixture
def library(db_session: Session, factory: Any) -> Library:
    return Library(db_session, factory.user("marketing"), factory.user("compliance"))
