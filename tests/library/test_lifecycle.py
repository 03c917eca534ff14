"""Draft → in_review → approved → retired, changes requested, immutability, versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from advisor_hub.audit.services import trail_for
from advisor_hub.errors import Conflict, PermissionDenied
from approvals.models import ReviewStatus
from content_library import services
from content_library.models import Status
from tests.library.conftest import decide, fields


def test_full_lifecycle_with_audit(db_session, library, approvals) -> None:
    version = library.draft()
    assert version.status == Status.DRAFT
    services.submit_version(db_session, actor=library.curator, version_id=version.id)
    assert version.status == Status.IN_REVIEW and version.review_id == 1000
    assert approvals.submitted[0]["kind"] == "library_item"
    assert approvals.submitted[0]["text"] == version.text
    decide(db_session, version, ReviewStatus.APPROVED, library.reviewer)
    assert version.status == Status.APPROVED and version.approved_at is not None
    services.retire_item(db_session, actor=library.curator, item_id=version.item_id)
    assert version.status == Status.RETIRED and version.item.retired_at is not None
    actions = [e.action for e in trail_for(db_session, version)]
    assert actions == ["library.item_created", "library.version_submitted",
                       "library.version_approved"]
    assert [e.action for e in trail_for(db_session, version.item)] == ["library.item_retired"]


def test_changes_requested_goes_back_to_an_editable_draft(db_session, library) -> None:
    version = library.draft()
    services.submit_version(db_session, actor=library.curator, version_id=version.id)
    decide(db_session, version, ReviewStatus.CHANGES_REQUESTED, library.reviewer)
    assert version.status == Status.CHANGES_REQUESTED and version.is_editable
    services.update_version(db_session, actor=library.curator, version_id=version.id,
                            fields=fields(text="Better wording."))
    assert version.text == "Better wording." and version.number == 1
    services.submit_version(db_session, actor=library.curator, version_id=version.id)
    assert version.status == Status.IN_REVIEW


@pytest.mark.parametrize("outcome,status", [(ReviewStatus.REJECTED, Status.REJECTED),
                                            (ReviewStatus.WITHDRAWN, Status.DRAFT),
                                            (ReviewStatus.EXPIRED, Status.DRAFT)])
def test_other_outcomes(db_session, library, outcome, status) -> None:
    version = library.draft()
    services.submit_version(db_session, actor=library.curator, version_id=version.id)
    decide(db_session, version, outcome, library.reviewer)
    assert version.status == status


def test_refused_transitions(db_session, library) -> None:
    version = library.draft()
    with pytest.raises(Conflict):  # a decision on something not in review
        decide(db_session, version, ReviewStatus.APPROVED, library.reviewer)
    services.submit_version(db_session, actor=library.curator, version_id=version.id)
    with pytest.raises(Conflict):  # already in review
        services.submit_version(db_session, actor=library.curator, version_id=version.id)
    with pytest.raises(Conflict):  # editing while in review
        services.edit_item(db_session, actor=library.curator, item_id=version.item_id,
                           fields=fields())
    with pytest.raises(Conflict):  # retiring while in review
        services.retire_item(db_session, actor=library.curator, item_id=version.item_id)
    decide(db_session, version, ReviewStatus.APPROVED, library.reviewer)
    services.retire_item(db_session, actor=library.curator, item_id=version.item_id)
    with pytest.raises(Conflict):
        services.retire_item(db_session, actor=library.curator, item_id=version.item_id)
    with pytest.raises(Conflict):
        services.edit_item(db_session, actor=library.curator, item_id=version.item_id,
                           fields=fields())


def test_the_curator_never_approves_their_own_item(db_session, library, factory) -> None:
    both = factory.user("marketing", "compliance")
    version = services.create_item(db_session, actor=both, fields=fields())
    services.submit_version(db_session, actor=both, version_id=version.id)
    with pytest.raises(PermissionDenied):
        decide(db_session, version, ReviewStatus.APPROVED, both)
    assert version.status == Status.IN_REVIEW


@pytest.mark.parametrize("role", ["advisor", "compliance", "admin", "branch_manager"])
def test_only_marketing_writes(db_session, library, factory, role) -> None:
    user = factory.user(role)
    with pytest.raises(PermissionDenied):
        services.create_item(db_session, actor=user, fields=fields())
    version = library.draft()
    for call in (lambda: services.submit_version(db_session, actor=user, version_id=version.id),
                 lambda: services.retire_item(db_session, actor=user, item_id=version.item_id),
                 lambda: services.edit_item(db_session, actor=user, item_id=version.item_id,
                                            fields=fields())):
        with pytest.raises(PermissionDenied):
            call()


def test_an_approved_version_is_immutable(db_session, library) -> None:
    version = library.approved()
    with pytest.raises(Conflict, match="cannot be changed in place"):
        services.update_version(db_session, actor=library.curator, version_id=version.id,
                                fields=fields(text="Sneaky change"))
    assert version.text == "Open a savings account today."


def test_edit_makes_a_new_version_and_the_old_stays_in_use(db_session, library, factory
                                                          ) -> None:
    advisor = factory.user("advisor", branch=factory.branch())
    v1 = library.approved(text="Version one")
    v2 = services.edit_item(db_session, actor=library.curator, item_id=v1.item_id,
                            fields=fields(text="Version two"))
    assert (v2.number, v2.status, v1.status) == (2, Status.DRAFT, Status.APPROVED)
    page = services.search_library(db_session, advisor=advisor)
    assert [v.id for v in page.items] == [v1.id]
    # Editing again changes the same draft, not a third version.
    again = services.edit_item(db_session, actor=library.curator, item_id=v1.item_id,
                               fields=fields(text="Version two, better"))
    assert again.id == v2.id
    library.approve(v2)
    assert v1.status == Status.SUPERSEDED and v2.status == Status.APPROVED
    page = services.search_library(db_session, advisor=advisor)
    assert [v.id for v in page.items] == [v2.id]


def test_a_scheduled_post_keeps_its_version(db_session, library, factory) -> None:
    """A post scheduled with v1 still publishes v1 after v2 is approved (pinned by id)."""
    advisor = factory.user("advisor", branch=factory.branch())
    v1 = library.approved(text="Original")
    pinned_id = v1.id  # what the publisher stores on the scheduled post
    v2 = services.edit_item(db_session, actor=library.curator, item_id=v1.item_id,
                            fields=fields(text="Updated"))
    library.approve(v2)
    now = datetime.now(UTC)
    assert services.is_version_publishable(db_session, version_id=pinned_id, now=now) == \
        (True, None)
    used = services.get_version_for_use(db_session, version_id=pinned_id, advisor=advisor)
    assert used.text == "Original"
    services.retire_item(db_session, actor=library.curator, item_id=v1.item_id)
    ok, reason = services.is_version_publishable(db_session, version_id=pinned_id, now=now)
    assert not ok and "retired" in reason


def test_publishable_checks(db_session, library, approvals) -> None:
    now = datetime.now(UTC)
    draft = library.draft()
    assert services.is_version_publishable(db_session, version_id=draft.id, now=now)[0] is False
    assert services.is_version_publishable(db_session, version_id=999999, now=now)[0] is False
    version = library.approved(expires_at=now + timedelta(days=1))
    assert services.is_version_publishable(db_session, version_id=version.id, now=now)[0]
    ok, reason = services.is_version_publishable(db_session, version_id=version.id,
                                                 now=now + timedelta(days=2))
    assert not ok and "expired" in reason
    approvals.revoked.add(version.review_id)
    ok, reason = services.is_version_publishable(db_session, version_id=version.id, now=now)
    assert not ok and "approval" in reason


def test_record_use_feeds_usage_statistics(db_session, library, factory) -> None:
    a1, a2 = factory.user("advisor"), factory.user("advisor")
    v1 = library.approved()
    t0 = datetime(2026, 5, 1, 9, tzinfo=UTC)
    for advisor, network, day in ((a1, "linkedin", 0), (a1, "x", 3), (a2, "linkedin", 7)):
        services.record_use(db_session, version_id=v1.id, template_id=None,
                            advisor_id=advisor.id, network=network,
                            published_at=t0 + timedelta(days=day),
                            post_url=f"https://example.com/{day}")
    rows = services.usage_by_version(db_session, actor=library.curator, item_id=v1.item_id)
    (row,) = rows
    assert (row.uses, row.advisors, row.networks) == (3, 2, ["linkedin", "x"])
    assert row.first_used_at == t0 and row.last_used_at == t0 + timedelta(days=7)


def test_usage_is_shown_to_marketing(client, db_session, library, factory, auth) -> None:
    advisor = factory.user("advisor")
    version = library.approved()
    services.record_use(db_session, version_id=version.id, template_id=None,
                        advisor_id=advisor.id, network="linkedin",
                        published_at=datetime(2026, 5, 1, tzinfo=UTC),
                        post_url="https://www.linkedin.com/feed/update/urn:li:share:1")
    db_session.flush()
    auth.login(library.curator)
    page = client.get(f"/library/manage/items/{version.item_id}").get_data(as_text=True)
    assert "urn:li:share:1" in page and "LinkedIn" in page
