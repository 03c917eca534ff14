"""Expiry runs as a periodic job of the app's job table and as `flask reviews-expire`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from advisor_hub.jobs import jobs_of
from approvals.models import ReviewRequest, ReviewStatus


def test_expiry_job_is_registered(app) -> None:
    assert "approvals.expire_reviews" in {job.name for job in jobs_of(app)}


def test_cli_expires_old_items(runner, db_session, factory, submit) -> None:
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        review = submit(factory.user("advisor"), "Waiting forever")
        db_session.flush()
    with time_machine.travel(start + timedelta(days=95), tick=False):
        result = runner.invoke(args=["reviews-expire"])
    assert result.exit_code == 0, result.output
    assert "1 review(s) expired." in result.output
    db_session.expire_all()
    assert db_session.scalar(select(ReviewRequest.status)
                             .where(ReviewRequest.id == review.id)) == ReviewStatus.EXPIRED
