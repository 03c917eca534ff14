"""#12.1 and #12.3: a lookup that finds nothing is not "not sent"; a resend after it is a
marked reconcile resend with the same key; the last attempt is reconciled before giving up.

Against a real Sandbox over HTTP, delayed (``add_fault("publish", "delay")``: it sleeps, then
publishes) and, where said, told not to reject duplicates. Read timeout 2 s, hold 3 × 2 s.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from advisor_hub.audit.models import AuditEvent
from advisor_hub.db import database
from advisor_hub.networks import SandboxAdapter
from advisor_hub.publishing.dispatch import Dispatcher
from advisor_hub.publishing.dispatch.outcomes import REASON_NO_RECONCILE
from advisor_hub.publishing.models import FailureClass, PublicationTarget, TargetState
from tests.publishing.helpers import library_post, pass_time

HOLD = 3 * 2  # DISPATCH_ABSENT_HOLD_READ_TIMEOUTS × SANDBOX_READ_TIMEOUT (tests)


def _target(session: Any) -> PublicationTarget:
    session.expire_all()
    return session.scalars(select(PublicationTarget)).one()


def _wait_for_posts(sandbox: Any, count: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while sandbox.state.stats()["posts"] < count and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture
def no_dedup(sandbox):
    """The Sandbox accepts duplicates (keys and text), and the app is told so."""
    sandbox.state.reject_duplicate_keys = False
    sandbox.state.reject_duplicate_text = False
    return {"SANDBOX_REJECTS_DUPLICATES": False}


def _dispatcher(app, **config: Any) -> Dispatcher:
    return Dispatcher(database(app).sessionmaker, {**app.config, **config})


@pytest.fixture
def a_post(db_session, fakes, link, advisor):
    account = link(advisor)
    post = library_post(db_session, advisor, [account], fakes.library.add_version().id)
    db_session.flush()
    return post


def test_absent_on_a_delayed_network_without_duplicate_rejection_is_not_resent(
        app, db_session, sandbox, a_post, no_dedup):
    dispatcher = _dispatcher(app, **no_dedup)
    try:
        sandbox.state.add_fault("publish", "delay", seconds=4)  # longer than the read timeout
        assert dispatcher.run_once().outcomes == {"unknown": 1}
        # The network is still working on it: the lookup says "absent"; not believed yet.
        assert sandbox.state.stats()["posts"] == 0
        assert dispatcher.run_once().outcomes == {"unknown": 1}
        target = _target(db_session)
        assert target.state == TargetState.PUBLISHING
        assert target.absent_trusted_at is not None and not target.resent_for_reconcile
        _wait_for_posts(sandbox, 1)
        pass_time(db_session, HOLD)
        assert dispatcher.run_once().outcomes == {"published": 1}  # found by the lookup
    finally:
        dispatcher.close()
    stats = sandbox.state.stats()
    assert stats["posts"] == 1 and not stats["keys_posted_more_than_once"]
    assert stats["attempts_per_key"] == {a_post.targets[0].idempotency_key: 1}


def test_a_resend_after_a_believed_absent_is_marked_and_carries_the_same_key(
        app, db_session, sandbox, a_post):
    dispatcher = _dispatcher(app)
    try:
        sandbox.state.add_fault("publish", "delay", seconds=4)
        assert dispatcher.run_once().outcomes == {"unknown": 1}
        pass_time(db_session, HOLD)  # "absent" is believed now, though the network still works
        assert dispatcher.run_once().outcomes == {"published": 1}
        deadline = time.monotonic() + 30  # the delayed original lands: a duplicate of it
        while sandbox.state.stats()["duplicates_rejected"] < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        dispatcher.close()
    target = _target(db_session)
    assert target.state == TargetState.PUBLISHED and target.resent_for_reconcile
    stats = sandbox.state.stats()
    assert stats["posts"] == 1 and stats["duplicates_rejected"] == 1
    assert stats["attempts_per_key"] == {target.idempotency_key: 2}  # one key, both times
    assert db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "publication.reconcile_resend")).all()


def test_a_duplicate_rejection_of_a_reconcile_resend_counts_as_published(
        app, db_session, sandbox, a_post, monkeypatch):
    monkeypatch.setattr(SandboxAdapter, "supports_lookup", False)
    dispatcher = _dispatcher(app)
    try:
        sandbox.state.add_fault("publish", "accept_then_error", status=502)
        assert dispatcher.run_once().outcomes == {"unknown": 1}
        assert dispatcher.run_once().outcomes == {"unknown": 1}  # waits out the hold
        pass_time(db_session, HOLD)
        assert dispatcher.run_once().outcomes == {"published": 1}
    finally:
        dispatcher.close()
    target = _target(db_session)
    assert target.resent_for_reconcile and target.network_post_id
    assert sandbox.state.stats()["duplicates_rejected"] == 1
    assert sandbox.state.stats()["posts"] == 1


def test_no_lookup_and_no_duplicate_rejection_means_needs_check_never_a_resend(
        app, db_session, sandbox, a_post, no_dedup, monkeypatch):
    monkeypatch.setattr(SandboxAdapter, "supports_lookup", False)
    dispatcher = _dispatcher(app, **no_dedup)
    try:
        sandbox.state.add_fault("publish", "accept_then_error", status=502)
        assert dispatcher.run_once().outcomes == {"unknown": 1}
        pass_time(db_session, 10 * HOLD)
        assert dispatcher.run_once().outcomes == {"needs_check": 1}
    finally:
        dispatcher.close()
    target = _target(db_session)
    assert target.state == TargetState.NEEDS_CHECK and target.last_error == REASON_NO_RECONCILE
    assert sandbox.state.stats()["attempts_per_key"] == {target.idempotency_key: 1}


def test_a_process_that_died_mid_send_waits_before_believing_absent(
        app, db_session, sandbox, a_post, no_dedup):
    """A stale lease with no recorded outcome: the first "absent" starts the hold."""
    target = _target(db_session)
    target.state = TargetState.PUBLISHING
    target.attempts = 1
    db_session.flush()  # as a dead process leaves it: publishing, no lease, no outcome
    dispatcher = _dispatcher(app, **no_dedup)
    try:
        assert dispatcher.run_once().outcomes == {"unknown": 1}
        assert _target(db_session).absent_trusted_at is not None
        assert sandbox.state.stats()["attempts_per_key"] == {}
        pass_time(db_session, HOLD)
        assert dispatcher.run_once().outcomes == {"published": 1}  # then resent, once
    finally:
        dispatcher.close()
    assert sandbox.state.stats()["posts"] == 1


# -- #12.3: the last attempt ------------------------------------------------------------


def test_a_last_attempt_that_went_out_is_found_not_left_to_a_check(
        app, db_session, sandbox, a_post):
    target = _target(db_session)
    target.attempts = 3  # DISPATCH_MAX_ATTEMPTS is 4: the next one is the last
    db_session.flush()
    dispatcher = _dispatcher(app)
    try:
        sandbox.state.add_fault("publish", "accept_then_error", status=500)
        assert dispatcher.run_once().outcomes == {"unknown": 1}  # not needs_check
        assert dispatcher.run_once().outcomes == {"published": 1}  # found by the lookup
    finally:
        dispatcher.close()
    assert sandbox.state.stats()["posts"] == 1


def test_a_last_attempt_without_lookup_is_settled_by_duplicate_rejection(
        app, db_session, sandbox, a_post, monkeypatch):
    monkeypatch.setattr(SandboxAdapter, "supports_lookup", False)
    target = _target(db_session)
    target.attempts = 3
    db_session.flush()
    dispatcher = _dispatcher(app)
    try:
        sandbox.state.add_fault("publish", "accept_then_error", status=500)
        assert dispatcher.run_once().outcomes == {"unknown": 1}
        pass_time(db_session, HOLD)
        assert dispatcher.run_once().outcomes == {"published": 1}
    finally:
        dispatcher.close()
    assert sandbox.state.stats()["posts"] == 1


def test_a_last_attempt_not_sent_after_one_that_may_be_out_is_reconciled_not_failed(
        app, db_session, sandbox, a_post):
    target = _target(db_session)
    account = target.account
    # An earlier attempt did go out; its outcome was unknown and a resend is due.
    sandbox.state.create_post(account.external_id, target.text, None, target.idempotency_key)
    target.attempts = 3
    target.resent_for_reconcile = True
    target.failure_class = FailureClass.OUTCOME_UNKNOWN
    db_session.flush()
    dispatcher = _dispatcher(app)
    try:
        sandbox.state.add_fault("publish", "error", status=503)  # the Sandbox: "not sent"
        assert dispatcher.run_once().outcomes == {"unknown": 1}  # not "failed"
        assert dispatcher.run_once().outcomes == {"published": 1}
    finally:
        dispatcher.close()
    assert _target(db_session).state == TargetState.PUBLISHED
    assert sandbox.state.stats()["posts"] == 1


def test_a_last_attempt_nothing_can_settle_asks_the_advisor(
        app, db_session, sandbox, a_post, no_dedup, monkeypatch):
    monkeypatch.setattr(SandboxAdapter, "supports_lookup", False)
    target = _target(db_session)
    target.attempts = 3
    db_session.flush()
    dispatcher = _dispatcher(app, **no_dedup)
    try:
        sandbox.state.add_fault("publish", "accept_then_error", status=500)
        assert dispatcher.run_once().outcomes == {"needs_check": 1}
    finally:
        dispatcher.close()
    assert _target(db_session).state == TargetState.NEEDS_CHECK


@pytest.mark.parametrize("earlier", [None, FailureClass.NOT_SENT])
def test_a_dead_process_s_row_given_back_for_lack_of_lease_stays_in_reconciliation(
        app, db_session, sandbox, a_post, no_dedup, monkeypatch, earlier):
    """Found by the kill -9 loop: a take-over whose lookup had too little lease left gave the
    row back to the queue (``scheduled``) because the dead process had recorded no outcome
    (or an earlier attempt's "not sent"), and the next round sent it again, normally: posted
    twice. A row claimed as possibly out stays possibly out whatever ends the round."""
    target = _target(db_session)
    target.state = TargetState.PUBLISHING
    target.attempts = 2
    target.failure_class = earlier
    # As the dead process left it: its send of attempt 2 went out, nothing was recorded.
    sandbox.state.create_post(target.account.external_id, target.text, None,
                              target.idempotency_key)
    db_session.flush()
    dispatcher = _dispatcher(app, **no_dedup)
    try:
        with monkeypatch.context() as patch:
            patch.setattr(Dispatcher, "_lease_too_short", lambda self, job: True)
            assert dispatcher.run_once().outcomes == {"given_back": 1}
        after = _target(db_session)
        assert after.state == TargetState.PUBLISHING and after.lease_expires_at is None
        assert dispatcher.run_once().outcomes == {"published": 1}  # found by the lookup
    finally:
        dispatcher.close()
    stats = sandbox.state.stats()
    assert stats["posts"] == 1 and stats["attempts_per_key"] == {target.idempotency_key: 1}
