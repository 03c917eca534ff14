"""The library through the real approvals package: submit, decide, the approval record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from advisor_hub.errors import DomainError
from advisor_hub.notifications.models import Notification
from approvals import services as approvals
from approvals.models import Verdict
from content_library import life_events, services
from content_library.models import Status
from tests.library.conftest import fields

pytestmark = pytest.mark.both_backends


def test_item_lifecycle_through_approvals(db_session, factory, real_approvals) -> None:
    curator = factory.user("marketing")
    reviewer = factory.user("compliance")
    advisor = factory.user("advisor", branch=factory.branch())
    version = services.create_item(db_session, actor=curator, fields=fields(
        title="Livret", text="Épargnez avec nous.", link_url="https://example.com/livret"))
    services.submit_version(db_session, actor=curator, version_id=version.id)
    review = approvals.get_review(db_session, version.review_id)
    assert (review.kind, review.subject_id, review.text) == ("library_item", version.id,
                                                             version.text)
    with pytest.raises(DomainError):  # the author never decides on their own content
        approvals.decide(db_session, review_id=review.id, actor=curator, decision=Verdict.APPROVE)
    approvals.decide(db_session, review_id=review.id, actor=reviewer,
                     decision=Verdict.REQUEST_CHANGES, comment="Add the conditions.")
    assert version.status == Status.CHANGES_REQUESTED
    services.update_version(db_session, actor=curator, version_id=version.id,
                            fields=fields(title="Livret", text="Épargnez avec nous, "
                                          "sous conditions.",
                                          link_url="https://example.com/livret"))
    services.submit_version(db_session, actor=curator, version_id=version.id)
    approvals.decide(db_session, review_id=version.review_id, actor=reviewer,
                     decision=Verdict.APPROVE)
    assert version.status == Status.APPROVED
    info = approvals.get_approval(db_session, version.review_id)
    assert info.stands and info.approved_by_id == reviewer.id
    now = datetime.now(UTC)
    assert services.is_version_publishable(db_session, version_id=version.id, now=now) == \
        (True, None)
    used = services.get_version_for_use(db_session, version_id=version.id, advisor=advisor)
    assert used.review_id == version.review_id


def test_template_through_approvals(db_session, factory, real_approvals) -> None:
    curator = factory.user("marketing")
    reviewer = factory.user("compliance")
    birth = next(t for t in life_events.list_event_types(db_session) if t.key == "birth")
    template = life_events.create_template(db_session, actor=curator, type_id=birth.id,
                                           language="fr",
                                           text="Félicitations {client_first_name} !")
    life_events.submit_template(db_session, actor=curator, template_id=template.id)
    approvals.decide(db_session, review_id=template.review_id, actor=reviewer,
                     decision=Verdict.APPROVE)
    assert template.status == Status.APPROVED


def test_the_curator_is_notified_with_a_link_to_the_item(client, db_session, factory, auth,
                                                         real_approvals) -> None:
    curator = factory.user("marketing")
    reviewer = factory.user("compliance")
    version = services.create_item(db_session, actor=curator, fields=fields())
    services.submit_version(db_session, actor=curator, version_id=version.id)
    approvals.decide(db_session, review_id=version.review_id, actor=reviewer,
                     decision=Verdict.APPROVE)
    notice = db_session.scalars(select(Notification).where(Notification.user_id == curator.id)
                                .order_by(Notification.id)).all()[-1]
    assert notice.url == f"/library/manage/versions/{version.id}"
    db_session.flush()
    auth.login(curator)
    response = client.get(notice.url)
    assert response.status_code == 302
    assert response.location.endswith(f"/library/manage/items/{version.item_id}#version-1")
