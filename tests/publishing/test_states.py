"""Publishing's lifecycles are StrEnums stored as their values; the dispatcher's outcomes
and publish-time verdicts are typed too (no magic strings)."""

from __future__ import annotations

import importlib

import pytest
from flask import Flask, render_template_string
from sqlalchemy import insert, select

from advisor_hub.publishing import models
from advisor_hub.publishing.dispatch import (
    REASON_ACCOUNT,
    CheckResult,
    Dispatcher,
    Outcome,
    backoff_delay,
    claim_rows,
)
from advisor_hub.publishing.dispatch.checks import GO, HOLD
from advisor_hub.publishing.models import (
    AccountStatus,
    FailureClass,
    LinkedAccount,
    Post,
    PostSource,
    PostState,
    PublicationTarget,
    TargetState,
)
from tests.publishing.helpers import library_post

REMOVED = ["PENDING_APPROVAL", "ACTIVE", "RELINK_NEEDED", "REJECTED", "UNLINKED",
           "ACCOUNT_STATES", "DRAFT", "PENDING_REVIEW", "CHANGES_REQUESTED", "APPROVED",
           "SCHEDULED", "PUBLISHING", "PUBLISHED", "CANCELLED", "FAILED", "POST_STATES",
           "NEEDS_CHECK", "HELD", "TARGET_STATES", "OPEN_TARGET_STATES", "NOT_SENT",
           "OUTCOME_UNKNOWN", "REAUTH", "PERMANENT", "PRECHECK", "SOURCES"]


def test_one_enum_per_lifecycle_and_no_module_constants():
    assert [s.value for s in AccountStatus] == ["pending_approval", "active", "relink_needed",
                                                "rejected", "unlinked"]
    assert [s.value for s in TargetState] == ["scheduled", "publishing", "published", "failed",
                                              "cancelled", "needs_check", "held"]
    assert [s.value for s in FailureClass] == ["not_sent", "outcome_unknown", "reauth",
                                               "permanent", "precheck"]
    assert [s.value for s in PostSource] == ["library", "life_event", "free_form"]
    assert len(PostState) == 10
    assert [name for name in REMOVED if hasattr(models, name)] == []


def test_rows_read_back_as_members_and_unknown_states_are_refused(db_session, advisor):
    """Values written as plain strings (a bulk insert) come back as enum members."""
    account_id = db_session.scalar(insert(LinkedAccount).returning(LinkedAccount.id).values(
        user_id=advisor.id, network="sandbox", external_id="e", display_name="A",
        status="relink_needed"))
    post_id = db_session.scalar(insert(Post).returning(Post.id).values(
        author_id=advisor.id, source="life_event", text="t", body="t", account_ids=[],
        state="scheduled"))
    db_session.execute(insert(PublicationTarget).values(
        post_id=post_id, account_id=account_id, network="sandbox", text="t", state="held",
        idempotency_key="k", content_hash="h", failure_class="reauth"))
    db_session.expire_all()
    target = db_session.scalars(select(PublicationTarget)).one()
    assert target.state is TargetState.HELD and target.failure_class is FailureClass.REAUTH
    assert target.post.state is PostState.SCHEDULED and target.post.source is PostSource.LIFE_EVENT
    assert target.account.status is AccountStatus.RELINK_NEEDED
    target.state = "published"  # a valid value is turned into its member
    assert target.state is TargetState.PUBLISHED
    with pytest.raises(ValueError):
        target.state = "approved"  # a post state, not a row state
    with pytest.raises(ValueError):
        target.account.status = "enabled"


def test_the_state_badge_asks_the_enum(app: Flask):
    with app.test_request_context():
        html = render_template_string(
            '{% from "publishing/_macros.html" import state_badge %}{{ state_badge(s) }}',
            s=TargetState.NEEDS_CHECK)
    assert html == ('<span class="badge text-bg-warning" data-state="needs_check">'
                    "Needs a check</span>")


def test_template_rules_match_the_services():
    assert {s for s in PostState if s.editable} == {
        PostState.PENDING_REVIEW, PostState.CHANGES_REQUESTED, PostState.APPROVED,
        PostState.SCHEDULED, PostState.REJECTED}
    assert {s for s in TargetState if s.open} == {TargetState.SCHEDULED, TargetState.HELD}
    assert [s for s in PostSource if s.fixed_link] == [PostSource.LIBRARY]


def test_the_dispatch_package_keeps_its_public_names():
    assert callable(claim_rows) and callable(backoff_delay) and Dispatcher.run_once
    assert GO.ok and not HOLD.ok and HOLD.hold and HOLD.reason == REASON_ACCOUNT
    assert not CheckResult("why").ok and not CheckResult("why").hold


@pytest.mark.parametrize("module", ["advisor_hub.publishing.loadgen",
                                    "advisor_hub.publishing.dispatch_worker"])
def test_test_tools_are_not_in_the_runtime_package(module):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(module)


def test_a_row_of_an_account_to_relink_is_held_not_cancelled(
        db_session, fakes, link, advisor, dispatcher, sandbox):
    """The re-check's hold verdict: the row waits (failure class reauth), nothing is sent."""
    account = link(advisor)
    post = library_post(db_session, advisor, [account], fakes.library.add_version().id)
    account.status = AccountStatus.RELINK_NEEDED  # the row itself is still scheduled
    db_session.flush()
    report = dispatcher.run_once()
    assert report.outcomes == {Outcome.HELD: 1}
    assert all(type(key) is Outcome for key in report.outcomes)
    db_session.expire_all()
    target = db_session.scalars(select(PublicationTarget)
                                .where(PublicationTarget.post_id == post.id)).one()
    assert (target.state, target.failure_class) == (TargetState.HELD, FailureClass.REAUTH)
    assert target.last_error == REASON_ACCOUNT
    assert sandbox.state.stats()["posts"] == 0
