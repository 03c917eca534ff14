"""Periodic jobs of conversations (declared in ``advisor_hub.features``): capture new
comments, send approved replies, look for comments deleted on the network.

Unlike most jobs these commit as they go: each network call happens with no transaction open
(see ``capture`` and ``delivery``); the runner's final commit finds nothing left to do.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from advisor_hub.conversations import capture, delivery
from advisor_hub.jobs import PeriodicJob


def capture_job(session: Session, now: datetime) -> None:
    capture.capture_comments(session, now)


def deliver_job(session: Session, now: datetime) -> None:
    delivery.deliver_queued(session, now)


def sweep_job(session: Session, now: datetime) -> None:
    capture.sweep_deleted(session, now)


JOBS = (
    PeriodicJob("conversations.capture", capture_job, every_seconds=60),
    PeriodicJob("conversations.deliver", deliver_job, every_seconds=30),
    PeriodicJob("conversations.sweep_deleted", sweep_job, every_seconds=900),
)
