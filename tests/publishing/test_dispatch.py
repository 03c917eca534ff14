"""The dispatcher against a real Sandbox over HTTP: success, the re-check, each failure class."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select, text

from advisor_hub.archive.models import ArchiveRecord
from advisor_hub.db import database, utcnow
from advisor_hub.networks import SandboxAdapter
from advisor_hub.notifications.models import Notification
from advisor_hub.publishing.clock import read_db_now
from advisor_hub.publishing.dispatch import Dispatcher, backoff_delay
from advisor_hub.publishing.models import (
    AccountStatus,
    FailureClass,
    LinkedAccount,
    PostState,
    PublicationTarget,
    TargetState,
)
from tests.publishing.conftest import KEY, settings_for
from tests.publishing.helpers import free_post, library_post, pass_time


def _target(db_session, post):
    db_session.expire_all()
    return db_session.scalars(select(PublicationTarget).where(
        PublicationTarget.post_id == post.id)).one()


def test_unedited_library_post_is_published_once_and_archived(
        db_session, fakes, link, advisor, dispatcher, sandbox):
    account = link(advisor)
    version = fakes.library.add_version()
    post = library_post(db_session, advisor, [account], version.id)
    assert post.state == PostState.SCHEDULED
    db_session.flush()
    report = dispatcher.run_once()
    assert report.outcomes == {"published": 1}
    target = _target(db_session, post)
    assert target.state == TargetState.PUBLISHED and target.network_post_url.startswith(sandbox.url)
    assert post.state == PostState.PUBLISHED
    assert sandbox.state.stats()["posts"] == 1
    assert dispatcher.run_once().claimed == 0
    record = db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.kind == "publication")).one()
    assert target.network_post_id in record.payload and target.content_hash in record.payload
    assert fakes.library.uses[0]["version_id"] == version.id
    assert fakes.library.uses[0]["post_url"] == target.network_post_url


@pytest.mark.both_backends
def test_tokens_are_encrypted_at_rest(db_session, link, advisor, backend):
    account = link(advisor)
    raw = db_session.execute(text("SELECT token_ciphertext FROM linked_accounts WHERE id = :i"),
                             {"i": account.id}).scalar_one()
    from advisor_hub.networks import TokenCipher

    tokens = TokenCipher(KEY).decrypt_tokens(raw)
    assert tokens.access_token and tokens.access_token not in raw
    assert tokens.refresh_token not in raw
    row = db_session.execute(text("SELECT * FROM linked_accounts WHERE id = :i"),
                             {"i": account.id}).one()
    assert not any(tokens.access_token in str(v) for v in row)


def test_item_retired_after_scheduling_is_not_sent(db_session, fakes, link, advisor,
                                                    dispatcher, sandbox):
    account = link(advisor)
    version = fakes.library.add_version()
    post = library_post(db_session, advisor, [account], version.id)
    db_session.flush()
    fakes.library.retired.add(version.id)
    assert dispatcher.run_once().outcomes == {"cancelled": 1}
    target = _target(db_session, post)
    assert target.state == TargetState.CANCELLED and target.failure_class == FailureClass.PRECHECK
    assert "no longer available" in target.last_error
    assert sandbox.state.stats()["posts"] == 0
    assert db_session.scalars(select(Notification).where(
        Notification.user_id == advisor.id)).all()


@pytest.mark.parametrize("spoil", ["revoke", "tamper", "policy", "unlink"])
def test_publish_time_recheck_cancels(db_session, fakes, link, advisor, dispatcher, sandbox,
                                      spoil):
    account = link(advisor)
    post = library_post(db_session, advisor, [account], fakes.library.add_version().id)
    target = post.targets[0]
    if spoil == "revoke":
        fakes.approvals.revoked.add(post.review_id)
    elif spoil == "tamper":
        target.text += " and more"
    elif spoil == "policy":
        fakes.approvals.banned.append("savings")
        fakes.approvals.banned.append("meet me")
    else:
        account.status = AccountStatus.UNLINKED
    db_session.flush()
    assert dispatcher.run_once().outcomes == {"cancelled": 1}
    assert sandbox.state.stats()["posts"] == 0


def test_backoff_grows_with_jitter_and_honours_retry_after():
    for attempts, low, high in ((1, 5, 10), (2, 10, 20), (3, 20, 40)):
        assert all(low <= backoff_delay(attempts, 10) <= high for _ in range(50))
    assert backoff_delay(1, 10, retry_after=120) == 120


def test_connect_error_is_retried_with_backoff_then_fails(app, db_session, fakes, link,
                                                           advisor):
    account = link(advisor)
    post = free_post(db_session, advisor, [account], "Hello")
    fakes.approvals.decide(db_session, post.review_id, "approved", reviewer_id=advisor.id)
    db_session.flush()
    config = {**app.config, "SANDBOX_API_BASE": "http://127.0.0.1:9"}  # nothing listens
    dispatcher = Dispatcher(database(app).sessionmaker, config)
    for attempt, (low, high) in enumerate(((5, 10), (10, 20), (20, 40)), start=1):
        start = read_db_now(db_session)  # backoff is counted on the database's clock
        assert dispatcher.run_once().outcomes == {"retry": 1}
        end = read_db_now(db_session)
        target = _target(db_session, post)
        assert target.state == TargetState.SCHEDULED
        assert target.failure_class == FailureClass.NOT_SENT
        assert target.attempts == attempt
        assert low <= (target.due_at - end).total_seconds()
        assert (target.due_at - start).total_seconds() <= high
        assert dispatcher.run_once().claimed == 0  # not before its time
        pass_time(db_session, (target.due_at - start).total_seconds())
    assert dispatcher.run_once().outcomes == {"failed": 1}  # 4th attempt = max
    assert _target(db_session, post).state == TargetState.FAILED


def test_rate_limit_is_retried_after_retry_after(db_session, fakes, link, advisor, dispatcher,
                                                  sandbox):
    account = link(advisor)
    post = free_post(db_session, advisor, [account], "Hello")
    fakes.approvals.decide(db_session, post.review_id, "approved", reviewer_id=advisor.id)
    db_session.flush()
    sandbox.state.add_fault("publish", "rate_limit", retry_after=120)
    start = read_db_now(db_session)
    assert dispatcher.run_once().outcomes == {"retry": 1}
    target = _target(db_session, post)
    assert (target.due_at - start).total_seconds() >= 120
    pass_time(db_session, 60)
    assert dispatcher.run_once().claimed == 0
    pass_time(db_session, 61)
    assert dispatcher.run_once().outcomes == {"published": 1}
    assert sandbox.state.stats()["posts"] == 1


@pytest.mark.parametrize("fault", [
    {"kind": "accept_then_error", "status": 500},
    {"kind": "accept_then_error", "status": 502},
    {"kind": "delay", "seconds": 2.5},
])
@pytest.mark.parametrize("lookup", [True, False])
def test_unknown_outcome_is_reconciled_never_posted_twice(db_session, fakes, link, advisor,
                                                          dispatcher, sandbox, fault, lookup,
                                                          monkeypatch):
    monkeypatch.setattr(SandboxAdapter, "supports_lookup", lookup)
    account = link(advisor)
    post = library_post(db_session, advisor, [account], fakes.library.add_version().id)
    db_session.flush()
    fault = dict(fault)
    sandbox.state.add_fault("publish", fault.pop("kind"), **fault)
    assert dispatcher.run_once().outcomes == {"unknown": 1}
    target = _target(db_session, post)
    assert target.state == TargetState.PUBLISHING
    assert target.failure_class == FailureClass.OUTCOME_UNKNOWN
    # Every fault here lets the Sandbox keep the post: wait until it has (the delayed request
    # lands after the client's read timeout), rather than sleeping a guessed time.
    deadline = time.monotonic() + 30
    while sandbox.state.stats()["posts"] < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sandbox.state.stats()["posts"] == 1, "the Sandbox never received the post"
    if not lookup:  # the resend relying on duplicate rejection waits out the hold first
        assert dispatcher.run_once().outcomes == {"unknown": 1}
        pass_time(db_session, 3 * 2)  # DISPATCH_ABSENT_HOLD_READ_TIMEOUTS × read timeout
    assert dispatcher.run_once().outcomes == {"published": 1}
    target = _target(db_session, post)
    assert target.state == TargetState.PUBLISHED and target.network_post_url
    stats = sandbox.state.stats()
    assert stats["posts"] == 1 and not stats["keys_posted_more_than_once"]


def test_unauthorized_marks_account_for_relink_and_holds(db_session, fakes, link, advisor,
                                                         dispatcher, sandbox):
    account = link(advisor)
    post = library_post(db_session, advisor, [account], fakes.library.add_version().id)
    db_session.flush()
    sandbox.state.add_fault("publish", "unauthorized")
    assert dispatcher.run_once().outcomes == {"held": 1}
    target = _target(db_session, post)
    assert target.state == TargetState.HELD and target.failure_class == FailureClass.REAUTH
    assert db_session.get(LinkedAccount, account.id).status == AccountStatus.RELINK_NEEDED
    assert sandbox.state.stats()["posts"] == 0
    # Relinking releases it, and it goes out.
    link(advisor, approve=False)
    db_session.flush()
    assert db_session.get(LinkedAccount, account.id).status == AccountStatus.ACTIVE
    assert dispatcher.run_once().outcomes == {"published": 1}


def test_permanent_failure_fails_with_the_network_message(db_session, fakes, link, advisor,
                                                          dispatcher, sandbox):
    account = link(advisor)
    post = library_post(db_session, advisor, [account], fakes.library.add_version().id)
    account.external_id = "someone-else"  # the Sandbox answers 403: not your account
    db_session.flush()
    assert dispatcher.run_once().outcomes == {"failed": 1}
    target = _target(db_session, post)
    assert target.failure_class == FailureClass.PERMANENT and target.last_error


def test_expiring_token_is_refreshed_and_saved_before_use(db_session, fakes, link, advisor,
                                                          dispatcher, sandbox):
    account = link(advisor)
    old = account.token_ciphertext
    post = library_post(db_session, advisor, [account], fakes.library.add_version().id)
    db_session.flush()
    with time_machine.travel(utcnow() + timedelta(seconds=580), tick=False):
        assert dispatcher.run_once().outcomes == {"published": 1}
    db_session.expire_all()
    assert db_session.get(LinkedAccount, account.id).token_ciphertext != old
    assert _target(db_session, post).state == TargetState.PUBLISHED


def test_refused_refresh_means_relink(db_session, fakes, link, advisor, dispatcher, sandbox):
    account = link(advisor)
    library_post(db_session, advisor, [account], fakes.library.add_version().id)
    db_session.flush()
    sandbox.state.add_fault("token", "invalid_grant")
    with time_machine.travel(utcnow() + timedelta(seconds=580), tick=False):
        assert dispatcher.run_once().outcomes == {"held": 1}
    db_session.expire_all()
    assert db_session.get(LinkedAccount, account.id).status == AccountStatus.RELINK_NEEDED


def test_settings_used(sandbox):
    assert settings_for(sandbox.url)["DISPATCH_WORKERS"] == 1


@pytest.mark.both_backends
def test_a_network_refusing_then_hanging_past_the_read_timeout_publishes_each_row_once(
        app, db_session, fakes, link, advisor, dispatcher, sandbox, backend):
    """#12's fault list: connections refused, then the network hangs longer than the read
    timeout (2 s here) and finishes later. Per row: published exactly once (the Sandbox's
    record), never resent while the hung request may still land."""
    account = link(advisor)
    # Three texts: the Sandbox refuses the same text twice to one account.
    posts = [library_post(db_session, advisor, [account], fakes.library.add_version(
        f"Meet me at {{{{ branch_city }}}}, {{{{ advisor_first_name }}}} ({n})").id)
        for n in range(3)]
    db_session.flush()
    refused = Dispatcher(database(app).sessionmaker,
                         {**app.config, "SANDBOX_API_BASE": "http://127.0.0.1:9"})
    try:
        assert refused.run_once().outcomes == {"retry": 3}  # nothing listens: not sent
    finally:
        refused.close()
    pass_time(db_session, 60)  # past the backoff
    sandbox.state.add_fault("publish", "delay", count=3, seconds=2.5)
    assert dispatcher.run_once().outcomes == {"unknown": 3}
    deadline = time.monotonic() + 30
    while sandbox.state.stats()["posts"] < 3 and time.monotonic() < deadline:
        time.sleep(0.02)  # the hung requests land after the client gave up
    for _ in range(4):
        if all(_target(db_session, p).state == TargetState.PUBLISHED for p in posts):
            break
        dispatcher.run_once()
        pass_time(db_session, 10)
    assert [_target(db_session, p).state for p in posts] == [TargetState.PUBLISHED] * 3
    stats = sandbox.state.stats()
    assert stats["posts"] == 3 and not stats["keys_posted_more_than_once"]
