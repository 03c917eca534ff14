"""Periodic jobs, the scheduler wiring and the `flask scheduler` command."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler

from advisor_hub.publishing.models import TargetState
from advisor_hub.publishing.scheduler import add_jobs
from advisor_hub.publishing.ticker import JOB_LOOPS_EXTENSION, LOOP_EXTENSION


def test_scheduler_runs_dispatch_and_every_registered_job(app):
    scheduler = add_jobs(app, BackgroundScheduler())
    assert scheduler.get_jobs() == []  # no interval trigger: they stall when the clock jumps
    job_loops = app.extensions[JOB_LOOPS_EXTENSION]
    assert {"publishing.refresh_tokens", "connectors.grant_reminders"} <= set(job_loops)
    assert "publishing.linkedin_reminder" not in job_loops  # one reminder path: the grants'
    # Dispatch and each job run in monotonic loops that start and stop with the scheduler.
    loops = [app.extensions[LOOP_EXTENSION], *job_loops.values()]
    assert not any(loop.running for loop in loops)
    for loop in loops:
        loop.tick = lambda: None  # no round against the test's transaction from a thread
    scheduler.start(paused=True)
    try:
        assert all(loop.running for loop in loops)
    finally:
        scheduler.shutdown(wait=False)
    for loop in loops:
        loop.stop(timeout=10)
    assert not any(loop.running for loop in loops)


def test_scheduler_command_runs_one_round(runner, db_session, fakes, link, advisor, sandbox):
    from tests.publishing.helpers import library_post

    post = library_post(db_session, advisor, [link(advisor)], fakes.library.add_version().id)
    db_session.flush()
    result = runner.invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert post.targets[0].state == TargetState.PUBLISHED
