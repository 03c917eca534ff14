"""What compliance approves is what it sees: an item whose whole validity window is past
cannot be sent for review, and the review page shows every attribute the approval covers
(read from the library through its public functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from advisor_hub.db import utcnow
from advisor_hub.errors import ValidationError
from approvals import services as approvals
from approvals.models import ReviewRequest
from content_library import services
from content_library.models import Status
from tests.library.conftest import fields


def test_an_item_whose_window_is_over_is_refused_at_submit(db_session, library) -> None:
    draft = library.draft(available_from=datetime(2020, 3, 1, tzinfo=UTC),
                          expires_at=datetime(2020, 4, 1, tzinfo=UTC))
    with pytest.raises(ValidationError, match="whole validity window is in the past") as no:
        services.submit_version(db_session, actor=library.curator, version_id=draft.id)
    assert no.value.field == "expires_at"
    assert draft.status == Status.DRAFT and draft.review_id is None
    ongoing = library.draft(expires_at=utcnow() + timedelta(days=3))
    services.submit_version(db_session, actor=library.curator, version_id=ongoing.id)
    assert ongoing.status == Status.IN_REVIEW


def test_approved_attributes_are_plain_data(db_session, library, factory) -> None:
    branch = factory.branch("Lyon Bellecour")
    end = utcnow() + timedelta(days=30)
    version = library.draft(audience_all=False, branch_ids=[branch.id], tags=["savings"],
                            campaign="Spring", expires_at=end,
                            link_url="https://bank.example/spring")
    found = services.approved_attributes(db_session, version.id)
    assert (found.branch_names, found.tags, found.campaign, found.expires_at) == (
        ("Lyon Bellecour",), ("savings",), "Spring", end)
    assert services.publish_until(db_session, version_id=version.id) == end
    assert not found.window_over(utcnow()) and found.window_over(end)


def test_the_review_page_shows_what_the_approval_covers(db_session, factory, client, auth,
                                                        real_approvals) -> None:
    curator, reviewer = factory.user("marketing"), factory.user("compliance")
    branch = factory.branch("Paris Opéra")
    version = services.create_item(db_session, actor=curator, fields=fields(
        title="Spring savings", text="Open a savings account this spring.",
        networks=["linkedin"], tags=["savings", "spring"], campaign="Spring 2030",
        audience_all=False, branch_ids=[branch.id], language="fr",
        link_url="https://bank.example/spring",
        available_from=datetime(2030, 3, 1, tzinfo=UTC),
        expires_at=datetime(2030, 6, 1, tzinfo=UTC)))
    services.submit_version(db_session, actor=curator, version_id=version.id)
    db_session.flush()
    auth.login(reviewer)
    html = client.get(f"/review/{version.review_id}").get_data(as_text=True)
    assert 'data-testid="subject-details"' in html
    for shown in ("What the approval covers", "Paris Opéra", "savings", "spring",
                  "Spring 2030", "French", "LinkedIn", "https://bank.example/spring",
                  "Mar 1, 2030", "Jun 1, 2030"):
        assert shown in html, shown
    reviewer.language = "fr"
    db_session.flush()
    html = client.get(f"/review/{version.review_id}").get_data(as_text=True)
    assert "Ce que couvre l'approbation" in html and "Campagne" in html
    assert "Du " in html and "Validité" in html


def test_nothing_is_queued_for_a_past_window(db_session, factory, real_approvals) -> None:
    curator = factory.user("marketing")
    version = services.create_item(db_session, actor=curator, fields=fields(
        expires_at=datetime(2021, 1, 1, tzinfo=UTC)))
    before = db_session.scalar(select(func.count(ReviewRequest.id)))
    with pytest.raises(ValidationError):
        services.submit_version(db_session, actor=curator, version_id=version.id)
    assert db_session.scalar(select(func.count(ReviewRequest.id))) == before
    assert approvals.subject_for("library_item").describe is not None
