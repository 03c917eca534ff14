"""Periodic jobs of the approvals package (declared in ``advisor_hub.features``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from advisor_hub.jobs import PeriodicJob
from approvals import services


def expire_reviews_job(session: Session, now: datetime) -> None:
    services.expire_reviews(session, now)


JOBS = (PeriodicJob("approvals.expire_reviews", expire_reviews_job, every_seconds=3600),)
