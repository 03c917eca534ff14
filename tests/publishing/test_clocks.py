"""#12.2: a scheduler host whose clock is wrong neither sends early nor takes live leases over,
and a clock that jumps back stops neither dispatch nor the other periodic jobs.

time-machine moves this process's clock (Python's ``time``/``datetime``); the database's
clock (PostgreSQL's, and SQLite's, which reads the OS clock from C) stays right. That is
exactly one skewed scheduler host next to a correct database.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from advisor_hub import jobs as job_table
from advisor_hub.db import database
from advisor_hub.publishing import scheduler as scheduler_module
from advisor_hub.publishing.clock import read_db_now
from advisor_hub.publishing.dispatch import Dispatcher
from advisor_hub.publishing.heartbeat import SchedulerHeartbeat
from advisor_hub.publishing.models import TargetState
from advisor_hub.publishing.scheduler import dispatch_tick
from advisor_hub.publishing.ticker import JOB_LOOPS_EXTENSION, MonotonicTicker
from tests.publishing.helpers import library_post

AHEAD = timedelta(hours=1)


def _posts(db_session, fakes, link, advisor, count):
    account = link(advisor)
    posts = [library_post(db_session, advisor, [account], fakes.library.add_version().id)
             for _ in range(count)]
    db_session.flush()
    return [p.targets[0] for p in posts]


@pytest.mark.both_backends
def test_a_host_an_hour_ahead_sends_nothing_early_and_takes_no_live_lease(
        db_session, fakes, link, advisor, dispatcher, sandbox, backend):
    later, leased, due = _posts(db_session, fakes, link, advisor, 3)
    now = read_db_now(db_session)
    later.due_at = now + timedelta(minutes=30)  # due in half an hour
    leased.state = TargetState.PUBLISHING  # another scheduler is sending it, lease 10 min
    leased.claimed_by = "other-process"
    leased.lease_expires_at = now + timedelta(minutes=10)
    db_session.flush()
    with time_machine.travel(now + AHEAD, tick=True):
        report = dispatcher.run_once()
    assert report.claimed == 1 and report.outcomes == {"published": 1}
    db_session.expire_all()
    assert later.state == TargetState.SCHEDULED and later.attempts == 0
    assert leased.state == TargetState.PUBLISHING and leased.claimed_by == "other-process"
    assert due.state == TargetState.PUBLISHED
    # What it wrote is the database's time too.
    assert abs((due.published_at - read_db_now(db_session)).total_seconds()) < 60
    assert sandbox.state.stats()["posts"] == 1


@pytest.mark.both_backends
def test_a_host_behind_gives_its_claims_no_longer_lease_and_backs_off_on_database_time(
        app, db_session, fakes, link, advisor, backend):
    (target,) = _posts(db_session, fakes, link, advisor, 1)
    config = {**app.config, "SANDBOX_API_BASE": "http://127.0.0.1:9"}  # nothing listens
    dispatcher = Dispatcher(database(app).sessionmaker, config)
    try:
        with time_machine.travel(read_db_now(db_session) - AHEAD, tick=True):
            assert dispatcher.run_once().outcomes == {"retry": 1}
    finally:
        dispatcher.close()
    db_session.expire_all()
    wait = (target.due_at - read_db_now(db_session)).total_seconds()
    assert 0 < wait <= 10  # backoff 5-10 s from the database's now, not an hour off


def test_the_dispatch_loop_keeps_ticking_when_the_clock_jumps_back():
    ticks: list[float] = []
    loop = MonotonicTicker(lambda: ticks.append(time.monotonic()), 0.05)
    aps_runs: list[int] = []
    aps = BackgroundScheduler()
    aps.add_job(lambda: aps_runs.append(1), "interval", seconds=0.05)
    aps.start()
    loop.start()
    try:
        deadline = time.monotonic() + 10
        while (len(ticks) < 3 or len(aps_runs) < 3) and time.monotonic() < deadline:
            time.sleep(0.01)
        with time_machine.travel(time.time() - AHEAD.total_seconds(), tick=True):
            before, aps_before = len(ticks), len(aps_runs)
            time.sleep(1.0)
            assert len(ticks) - before >= 5  # the monotonic loop did not notice
            # APScheduler 3's interval trigger, as dispatch used to run: it waits the hour.
            assert len(aps_runs) - aps_before <= 1
    finally:
        loop.stop(timeout=5)
        aps.shutdown(wait=False)
    assert not loop.running


def test_the_periodic_jobs_keep_running_when_the_clock_jumps_back(app, monkeypatch):
    """A job of the job table (not dispatch), run by the scheduler as ``flask scheduler``
    runs it: an hour's jump back of this process's clock does not stop it."""
    job = next(j for j in job_table.jobs_of(app) if j.name == "approvals.expire_reviews")
    monkeypatch.setitem(app.extensions, job_table.JOBS_EXTENSION,
                        {job.name: replace(job, every_seconds=0.05)})
    runs: list[str] = []
    # Record the runs instead of running them against the test's connection from a thread.
    monkeypatch.setattr(scheduler_module, "run_job", lambda app, job: runs.append(job.name))
    monkeypatch.setattr(scheduler_module, "dispatch_tick", lambda app: None)
    aps = scheduler_module.add_jobs(app, BackgroundScheduler())
    aps.start()
    try:
        deadline = time.monotonic() + 10
        while len(runs) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(runs) >= 3
        with time_machine.travel(time.time() - AHEAD.total_seconds(), tick=True):
            before = len(runs)
            time.sleep(1.0)
            assert len(runs) - before >= 5  # an interval trigger would wait the hour
    finally:
        aps.shutdown(wait=False)
    loops = app.extensions[JOB_LOOPS_EXTENSION]
    for loop in loops.values():
        loop.stop(timeout=5)
    assert set(runs) == {"approvals.expire_reviews"} and not any(
        loop.running for loop in loops.values())


@pytest.mark.both_backends
def test_the_heartbeat_is_written_on_database_time(app, db_session, backend):
    with time_machine.travel(read_db_now(db_session) + AHEAD, tick=True):
        dispatch_tick(app)
    beat = db_session.scalars(select(SchedulerHeartbeat)).one()
    assert abs((beat.last_tick_at - read_db_now(db_session)).total_seconds()) < 60
    assert beat.last_ok_at == beat.last_tick_at and beat.last_error is None
    assert beat.ticks == 1


def test_a_round_that_raises_does_not_stop_the_loop():
    calls = threading.Semaphore(0)

    def tick() -> None:
        calls.release()
        raise RuntimeError("database gone")

    loop = MonotonicTicker(tick, 0.01)
    loop.start()
    try:
        assert all(calls.acquire(timeout=5) for _ in range(3))
    finally:
        loop.stop(timeout=5)

