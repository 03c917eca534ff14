"""Periodic jobs, the scheduler wiring and the `flask scheduler` command."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from advisor_hub.db import utcnow
from advisor_hub.notifications.models import Notification
from advisor_hub.publishing.jobs import remind_linkedin_relink
from advisor_hub.publishing.models import AccountStatus, LinkedAccount, TargetState
from advisor_hub.publishing.scheduler import add_jobs
from advisor_hub.publishing.ticker import JOB_LOOPS_EXTENSION, LOOP_EXTENSION


def test_linkedin_advisors_are_reminded_once_before_expiry(db_session, advisor):
    account = LinkedAccount(user_id=advisor.id, network="linkedin", external_id="li-1",
                            display_name="Alice", status=AccountStatus.ACTIVE,
                            token_expires_at=utcnow() + timedelta(days=5))
    db_session.add(account)
    db_session.flush()
    remind_linkedin_relink(db_session, utcnow())
    remind_linkedin_relink(db_session, utcnow())
    notes = db_session.scalars(select(Notification).where(
        Notification.user_id == advisor.id)).all()
    assert len(notes) == 1 and account.relink_reminded_at is not None


def test_scheduler_runs_dispatch_and_every_registered_job(app):
    scheduler = add_jobs(app, BackgroundScheduler())
    assert scheduler.get_jobs() == []  # no interval trigger: they stall when the clock jumps
    job_loops = app.extensions[JOB_LOOPS_EXTENSION]
    assert {"publishing.refresh_tokens", "publishing.linkedin_reminder"} <= set(job_loops)
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
