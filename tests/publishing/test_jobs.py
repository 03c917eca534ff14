"""Periodic jobs, the scheduler wiring and the `flask scheduler` command."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler

from advisor_hub.publishing.models import TargetState
from advisor_hub.publishing.scheduler import add_jobs
from advisor_hub.publishing.ticker import LOOP_EXTENSION


def test_scheduler_runs_dispatch_and_every_registered_job(app):
    scheduler = add_jobs(app, BackgroundScheduler())
    ids = {job.id for job in scheduler.get_jobs()}
    assert {"publishing.refresh_tokens", "connectors.grant_reminders"} <= ids
    assert "publishing.linkedin_reminder" not in ids  # one reminder path: the grants'
    # Dispatch runs in a monotonic loop that starts and stops with the scheduler.
    loop = app.extensions[LOOP_EXTENSION]
    assert not loop.running
    loop.tick = lambda: None  # no round against the test's transaction from another thread
    scheduler.start(paused=True)
    try:
        assert loop.running
    finally:
        scheduler.shutdown(wait=False)
    loop.stop(timeout=10)
    assert not loop.running


def test_scheduler_command_runs_one_round(runner, db_session, fakes, link, advisor, sandbox):
    from tests.publishing.helpers import library_post

    post = library_post(db_session, advisor, [link(advisor)], fakes.library.add_version().id)
    db_session.flush()
    result = runner.invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert post.targets[0].state == TargetState.PUBLISHED
