"""Separation of duties (issue 11, point 2): whoever wrote, changed or submitted a library
version or a life-event template may not decide on its review, whatever other role they
hold. Through the real approvals package."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from approvals import services as approvals
from approvals.errors import EditedContent, OwnContent
from approvals.models import ReviewStatus, Verdict
from content_library import life_events, services
from content_library.editors import template_editors, version_editors
from content_library.models import LibraryVersionEditor, Status
from tests.library.conftest import fields

pytestmark = pytest.mark.both_backends

VERDICTS = [(Verdict.APPROVE, {}), (Verdict.REJECT, {"reason_code": "misleading"}),
            (Verdict.REQUEST_CHANGES, {"comment": "Shorter"}),
            (Verdict.ESCALATE, {"comment": "Senior, please"})]


@pytest.fixture
def people(factory):
    return {"author": factory.user("marketing"),
            "rewriter": factory.user("marketing", "compliance", "senior_compliance"),
            "reviewer": factory.user("compliance")}


@pytest.mark.parametrize(("verdict", "extra"), VERDICTS)
def test_an_editor_of_a_library_draft_cannot_decide_it(db_session, people, real_approvals,
                                                      verdict, extra) -> None:
    author, rewriter = people["author"], people["rewriter"]
    version = services.create_item(db_session, actor=author, fields=fields())
    services.update_version(db_session, actor=rewriter, version_id=version.id,
                            fields=fields(text="Open a savings account today: rewritten."))
    services.submit_version(db_session, actor=author, version_id=version.id)
    assert version_editors(db_session, version.id) == {author.id, rewriter.id}
    with pytest.raises(EditedContent) as refused:
        approvals.decide(db_session, review_id=version.review_id, actor=rewriter,
                         decision=verdict, **extra)
    assert "you cannot decide on it" in str(refused.value)
    with pytest.raises(EditedContent):
        approvals.claim(db_session, review_id=version.review_id, actor=rewriter)
    assert approvals.get_review(db_session, version.review_id).status == ReviewStatus.PENDING
    assert version.status == Status.IN_REVIEW
    # Someone who never touched it decides.
    approvals.decide(db_session, review_id=version.review_id, actor=people["reviewer"],
                     decision=verdict, **extra)


def test_the_submitter_and_the_author_of_a_new_version_cannot_decide(db_session, people,
                                                                    factory, real_approvals
                                                                    ) -> None:
    author, rewriter, reviewer = people["author"], people["rewriter"], people["reviewer"]
    submitter = factory.user("marketing", "compliance")
    first = services.create_item(db_session, actor=author, fields=fields())
    services.submit_version(db_session, actor=author, version_id=first.id)
    approvals.decide(db_session, review_id=first.review_id, actor=reviewer,
                     decision=Verdict.APPROVE)
    second = services.edit_item(db_session, actor=rewriter, item_id=first.item_id,
                                fields=fields(text="A new text by the rewriter."))
    assert second.number == 2 and version_editors(db_session, second.id) == {rewriter.id}
    services.submit_version(db_session, actor=submitter, version_id=second.id)
    with pytest.raises(EditedContent):
        approvals.decide(db_session, review_id=second.review_id, actor=rewriter,
                         decision=Verdict.APPROVE)
    with pytest.raises(OwnContent):  # nor the one who submitted it
        approvals.decide(db_session, review_id=second.review_id, actor=submitter,
                         decision=Verdict.APPROVE)
    approvals.decide(db_session, review_id=second.review_id, actor=reviewer,
                     decision=Verdict.APPROVE)
    assert second.status == Status.APPROVED


def test_every_edit_is_recorded_once_per_person(db_session, people) -> None:
    author, rewriter = people["author"], people["rewriter"]
    version = services.create_item(db_session, actor=author, fields=fields())
    for text in ("One.", "Two.", "Three."):
        services.update_version(db_session, actor=rewriter, version_id=version.id,
                                fields=fields(text=text))
    rows = db_session.scalars(select(LibraryVersionEditor.user_id).where(
        LibraryVersionEditor.version_id == version.id)).all()
    assert sorted(rows) == sorted([author.id, rewriter.id])


@pytest.mark.parametrize("new_version", [False, True])
def test_an_editor_of_a_life_event_template_cannot_decide_it(db_session, people,
                                                            real_approvals, new_version
                                                            ) -> None:
    author, rewriter, reviewer = people["author"], people["rewriter"], people["reviewer"]
    wedding = next(t for t in life_events.list_event_types(db_session) if t.key == "wedding")
    template = life_events.create_template(db_session, actor=author, type_id=wedding.id,
                                           language="en",
                                           text="Congratulations {client_first_name}!")
    if new_version:
        life_events.submit_template(db_session, actor=author, template_id=template.id)
        approvals.decide(db_session, review_id=template.review_id, actor=reviewer,
                         decision=Verdict.APPROVE)
    edited = life_events.edit_template(db_session, actor=rewriter, template_id=template.id,
                                       text="Congratulations {client_first_name}, truly!")
    assert (edited.id != template.id) is new_version
    assert rewriter.id in template_editors(db_session, edited.id)
    life_events.submit_template(db_session, actor=author, template_id=edited.id)
    for verdict, extra in VERDICTS:
        with pytest.raises(EditedContent):
            approvals.decide(db_session, review_id=edited.review_id, actor=rewriter,
                             decision=verdict, **extra)
    approvals.decide(db_session, review_id=edited.review_id, actor=reviewer,
                     decision=Verdict.APPROVE)
    assert edited.status == Status.APPROVED
