"""The dispatcher's batches: checked and recorded together, never at the expense of
invariant 2 (a row whose outcome could not be recorded is reconciled, not resent)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from advisor_hub.archive import services as archive
from advisor_hub.archive.integrity import verify_chain
from advisor_hub.archive.models import ArchiveRecord
from advisor_hub.networks import SandboxAdapter
from advisor_hub.publishing.models import FailureClass, PublicationTarget, TargetState
from tests.publishing.helpers import free_post, pass_time


def approved_posts(db_session, fakes, advisor, accounts, count, prefix="Batch"):
    posts = []
    for n in range(count):
        post = free_post(db_session, advisor, accounts, f"{prefix} post number {n}")
        fakes.approvals.decide(db_session, post.review_id, "approved", reviewer_id=advisor.id)
        posts.append(post)
    db_session.flush()
    return posts


def states(db_session):
    db_session.expire_all()
    return dict(db_session.execute(select(PublicationTarget.state, func.count())
                                   .group_by(PublicationTarget.state)).all())


@pytest.mark.both_backends
def test_a_batch_costs_the_same_statements_whatever_its_size(
        db_session, fakes, link, advisor, dispatcher, sandbox, count_queries, backend):
    accounts = [link(advisor, login="alice"), link(advisor, login="bob")]
    approved_posts(db_session, fakes, advisor, accounts, 2, "Small")
    with count_queries() as small:
        assert dispatcher.run_once().outcomes == {"published": 4}
    approved_posts(db_session, fakes, advisor, accounts, 10, "Large")
    with count_queries() as large:
        assert dispatcher.run_once().outcomes == {"published": 20}
    # SQLite runs inserts that return ids one by one (in process, no round trip);
    # PostgreSQL sends each batch's inserts as one statement.
    counted = (lambda s: True) if backend == "postgresql" else (
        lambda s: not s.startswith("INSERT"))
    assert len(list(filter(counted, large.statements))) <= \
        len(list(filter(counted, small.statements))) + 1, large.statements
    assert sandbox.state.stats()["posts"] == 24
    assert states(db_session) == {TargetState.PUBLISHED: 24}
    # One archive record per publication, chained (appended under one lock per batch).
    assert db_session.scalar(select(func.count()).select_from(ArchiveRecord)
                             .where(ArchiveRecord.kind == "publication")) == 24
    assert verify_chain(db_session).broken is None


def test_a_batch_that_cannot_be_recorded_is_reconciled_not_resent(
        db_session, fakes, link, advisor, dispatcher, sandbox, monkeypatch):
    account = link(advisor)
    approved_posts(db_session, fakes, advisor, [account], 3)
    real_append = archive.append_records
    monkeypatch.setattr("advisor_hub.publishing.dispatch.record.append_records",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk full")))
    assert dispatcher.run_once().outcomes == {"error": 3}
    assert states(db_session) == {TargetState.PUBLISHING: 3}  # sent, not recorded: still claimed
    assert sandbox.state.stats()["posts"] == 3
    monkeypatch.setattr("advisor_hub.publishing.dispatch.record.append_records", real_append)
    assert dispatcher.run_once().claimed == 0  # the lease still holds them
    pass_time(db_session, 200)  # on the database's clock
    assert dispatcher.run_once().outcomes == {"published": 3}  # found by lookup
    stats = sandbox.state.stats()
    assert stats["posts"] == 3 and not stats["keys_posted_more_than_once"]
    assert states(db_session) == {TargetState.PUBLISHED: 3}


def test_a_row_that_may_be_out_and_fails_its_recheck_asks_the_advisor(
        db_session, fakes, link, advisor, dispatcher, sandbox, monkeypatch):
    monkeypatch.setattr(SandboxAdapter, "supports_lookup", False)
    account = link(advisor)
    (post,) = approved_posts(db_session, fakes, advisor, [account], 1)
    sandbox.state.add_fault("publish", "accept_then_error", status=502)
    assert dispatcher.run_once().outcomes == {"unknown": 1}
    fakes.approvals.revoked.add(post.review_id)  # withdrawn while its fate was unknown
    pass_time(db_session, 6)  # the wait before a resend relying on duplicate rejection
    assert dispatcher.run_once().outcomes == {"needs_check": 1}
    target = db_session.scalars(select(PublicationTarget)).one()
    db_session.refresh(target)
    assert target.state == TargetState.NEEDS_CHECK
    assert target.failure_class == FailureClass.OUTCOME_UNKNOWN
    assert sandbox.state.stats()["posts"] == 1


def test_many_workers_send_one_batch_concurrently(db_session, fakes, link, advisor, app,
                                                  sandbox):
    from advisor_hub.db import database
    from advisor_hub.publishing.dispatch import Dispatcher

    accounts = [link(advisor, login=f"user{n}") for n in range(3)]
    approved_posts(db_session, fakes, advisor, accounts, 8)
    sandbox.state.post_latency = 0.05
    dispatcher = Dispatcher(database(app).sessionmaker, {**app.config, "DISPATCH_WORKERS": 8})
    try:
        report = dispatcher.run_once()
    finally:
        dispatcher.close()
    assert report.outcomes == {"published": 24}
    stats = sandbox.state.stats()
    assert stats["posts"] == 24 and not stats["keys_posted_more_than_once"]
    assert states(db_session) == {TargetState.PUBLISHED: 24}


@pytest.mark.parametrize(("round_batches", "claimed"), [(10, 24), (2, 10)])
def test_a_round_claims_the_next_batch_while_sends_are_out(db_session, fakes, link, advisor,
                                                           app, sandbox, round_batches,
                                                           claimed):
    from advisor_hub.db import database
    from advisor_hub.publishing.dispatch import Dispatcher

    accounts = [link(advisor, login=f"user{n}") for n in range(3)]
    approved_posts(db_session, fakes, advisor, accounts, 8)
    sandbox.state.post_latency = 0.02
    dispatcher = Dispatcher(database(app).sessionmaker, {
        **app.config, "DISPATCH_WORKERS": 4, "DISPATCH_BATCH_SIZE": 5,
        "DISPATCH_ROUND_BATCHES": round_batches})
    try:
        report = dispatcher.run_once()
    finally:
        dispatcher.close()
    assert report.claimed == claimed and report.outcomes == {"published": claimed}
    stats = sandbox.state.stats()
    assert stats["posts"] == claimed and not stats["keys_posted_more_than_once"]
    published, scheduled = TargetState.PUBLISHED, TargetState.SCHEDULED
    assert states(db_session) == {published: claimed, scheduled: 24 - claimed} \
        if claimed < 24 else {published: 24}
