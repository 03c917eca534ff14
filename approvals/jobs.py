"""Periodic jobs of the approvals package (run by the scheduler, see advisor_hub.jobs)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from advisor_hub.jobs import register_job
from approvals import services


def expire_reviews_job(session: Session, now: datetime) -> None:
    services.expire_reviews(session, now)


register_job("approvals.expire_reviews", expire_reviews_job, every_seconds=3600)
