"""Library states are a StrEnum stored by value; the templates ask the model, not strings."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from advisor_hub.errors import ValidationError
from approvals.models import ReviewStatus
from content_library import services
from content_library.models import LibraryItemVersion, Status
from tests.library.conftest import decide, fields


def test_status_is_stored_as_its_value_and_loaded_as_the_enum(db_session, library) -> None:
    version = library.approved()
    db_session.flush()
    stored = db_session.execute(text("SELECT status FROM library_item_versions WHERE id = :id"),
                                {"id": version.id}).scalar_one()
    assert (type(stored), stored) == (str, "approved")
    db_session.expire_all()
    assert db_session.get(LibraryItemVersion, version.id).status is Status.APPROVED
    with pytest.raises(ValueError):
        version.status = "published"


def test_what_the_lists_show(db_session, library) -> None:
    v1 = library.approved()
    v2 = services.edit_item(db_session, actor=library.curator, item_id=v1.item_id,
                            fields=fields(text="Second wording."))
    assert v2.in_use_instead is v1 and v1.in_use_instead is None
    services.submit_version(db_session, actor=library.curator, version_id=v2.id)
    assert v2.in_review and not v2.sent_back
    decide(db_session, v2, ReviewStatus.REJECTED, library.reviewer)
    assert v2.sent_back and not v2.in_review and v2.listed_status is Status.REJECTED
    services.retire_item(db_session, actor=library.curator, item_id=v1.item_id)
    assert v2.listed_status is Status.RETIRED and v1.status is Status.RETIRED


def test_an_unknown_review_outcome_is_refused(db_session, library) -> None:
    version = library.draft()
    services.submit_version(db_session, actor=library.curator, version_id=version.id)
    with pytest.raises(ValidationError):
        decide(db_session, version, "published", library.reviewer)
    assert version.status is Status.IN_REVIEW


def test_the_curators_pages_show_the_states(client, auth, db_session, library) -> None:
    v1 = library.approved(title="First of its name")
    v2 = services.edit_item(db_session, actor=library.curator, item_id=v1.item_id,
                            fields=fields(title="First of its name", text="Second wording."))
    services.submit_version(db_session, actor=library.curator, version_id=v2.id)
    decide(db_session, v2, ReviewStatus.CHANGES_REQUESTED, library.reviewer)
    db_session.flush()
    auth.login(library.curator)
    manage = client.get("/library/manage").get_data(as_text=True)
    assert "v1 in use" in manage
    detail = client.get(f"/library/manage/items/{v1.item_id}").get_data(as_text=True)
    assert "Read compliance" in detail  # v2 was sent back with comments
    services.retire_item(db_session, actor=library.curator, item_id=v1.item_id)
    db_session.flush()
    manage = client.get("/library/manage").get_data(as_text=True)
    assert '<span class="badge text-bg-dark">retired</span>' in manage
