"""Approved answers: the library's lifecycle (draft → review → approved, new versions
superseding, retirement), a validity window, safe placeholders only; and the firm's settings
read fail-closed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from advisor_hub.conversations import answers, settings
from advisor_hub.db import utcnow
from advisor_hub.errors import Conflict, PermissionDenied, ValidationError
from approvals.services import decide
from content_library.models import Status
from tests.conversations.conftest import approved_answer

# The app registers the review kinds with approvals (its feature list).
pytestmark = pytest.mark.usefixtures("app")


def test_editing_an_approved_answer_makes_a_new_version_that_supersedes_it(
        db_session, factory) -> None:
    first = approved_answer(db_session, factory)
    assert first.status == Status.APPROVED
    marketing = factory.user("marketing")
    second = answers.edit_template(db_session, actor=marketing, template_id=first.id,
                                   title=first.title, text="Thanks, call us.", language="en")
    assert second.id != first.id and second.number == 2 and second.status == Status.DRAFT
    advisor = factory.user("advisor")
    # The approved version stays in use until the new one is approved.
    assert [t.id for t in answers.usable_templates(db_session, advisor=advisor,
                                                    now=utcnow())] == [first.id]
    answers.submit_template(db_session, actor=marketing, template_id=second.id)
    decide(db_session, review_id=second.review_id, actor=factory.user("compliance"),
           decision="approve")
    assert first.status == Status.SUPERSEDED and second.status == Status.APPROVED
    assert [t.id for t in answers.usable_templates(db_session, advisor=advisor,
                                                    now=utcnow())] == [second.id]
    answers.retire_template(db_session, actor=marketing, template_id=second.id)
    assert answers.usable_templates(db_session, advisor=advisor, now=utcnow()) == []


def test_an_answer_outside_its_validity_is_not_offered(db_session, factory) -> None:
    template = approved_answer(db_session, factory)
    template.expires_at = utcnow() - timedelta(minutes=1)
    assert answers.usable_templates(db_session, advisor=factory.user("advisor"),
                                    now=utcnow()) == []


def test_only_the_advisor_s_own_values_may_be_placeholders(db_session, factory) -> None:
    with pytest.raises(ValidationError, match="Unknown placeholder"):
        answers.create_template(db_session, actor=factory.user("marketing"), title="T",
                                text="Dear {client_first_name}", language="en")


def test_curating_needs_marketing_and_nobody_approves_their_own(db_session, factory) -> None:
    with pytest.raises(PermissionDenied):
        answers.create_template(db_session, actor=factory.user("advisor"), title="T",
                                text="Hi", language="en")
    both = factory.user("marketing", "compliance")
    template = answers.create_template(db_session, actor=both, title="T", text="Hi",
                                       language="en")
    answers.submit_template(db_session, actor=both, template_id=template.id)
    with pytest.raises(PermissionDenied):
        decide(db_session, review_id=template.review_id, actor=both, decision="approve")
    with pytest.raises(Conflict):
        answers.submit_template(db_session, actor=both, template_id=template.id)


@pytest.mark.parametrize(("value", "mode"), [("pre", "pre"), ("post", "post"), ("POST", "post"),
                                             ("", "pre"), ("later", "pre"), (None, "pre")])
def test_an_unknown_review_mode_is_read_as_pre_review(value, mode) -> None:
    assert settings.review_mode({"REPLY_REVIEW_MODE": value}) == mode


def test_sample_rates() -> None:
    config = {"REPLY_SAMPLE_RATE": 0.2, "REPLY_SAMPLE_RATE_BY_BRANCH": {"7": 0.5},
              "REPLY_SAMPLE_RATE_RECENT_FINDINGS": 0.9}
    assert settings.sample_rate(config, branch_id=1, recent_findings=False) == 0.2
    assert settings.sample_rate(config, branch_id=7, recent_findings=False) == 0.5
    assert settings.sample_rate(config, branch_id=7, recent_findings=True) == 0.9
    assert settings.sample_rate({"REPLY_SAMPLE_RATE": "junk"}, branch_id=None,
                                recent_findings=False) == 0.1


def test_whoever_edited_an_answer_may_not_approve_it_even_through_the_handler(
        db_session, factory) -> None:
    """The handler's own check covers every editor, not only the answer's creator."""
    marketing = factory.user("marketing")
    template = answers.create_template(db_session, actor=marketing, title="T", text="Hi",
                                       language="en")
    both = factory.user("marketing", "compliance")
    answers.edit_template(db_session, actor=both, template_id=template.id, title="T",
                          text="Hi there", language="en")
    answers.submit_template(db_session, actor=marketing, template_id=template.id)

    class Decision:
        id = template.review_id
        decided_by_id = both.id

    with pytest.raises(PermissionDenied):
        answers.on_template_decision(db_session, template.id, "approved", Decision())
    assert template.status == Status.IN_REVIEW
