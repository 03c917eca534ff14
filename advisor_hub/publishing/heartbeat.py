"""Scheduler heartbeats: each dispatch process writes one row per round (database time), so
that ``/healthz`` and the operations page can tell a live scheduler from a dead or stuck one.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from advisor_hub.db import Base
from advisor_hub.publishing.clock import db_now

KEEP_DAYS = 7  # rows of processes gone longer than this are removed


class SchedulerHeartbeat(Base):
    __tablename__ = "scheduler_heartbeats"

    process: Mapped[str] = mapped_column(String(100), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    last_tick_at: Mapped[datetime]  # the last round, ended well or not
    last_ok_at: Mapped[datetime | None]  # the last round that ended well
    ticks: Mapped[int] = mapped_column(default=0, server_default="0")
    last_claimed: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)  # of the last round; None: it ended well
    last_error_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Beat:
    """What one round tells the heartbeat."""

    claimed: int = 0
    error: str | None = None


def process_name() -> str:
    """This process's name: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def write_heartbeat(session: Session, process: str, beat: Beat) -> None:
    """Record one round of ``process`` (flushes; the caller commits)."""
    now = db_now()
    row = session.get(SchedulerHeartbeat, process)
    if row is None:  # this process's first round: forget processes long gone
        session.execute(delete(SchedulerHeartbeat).where(
            SchedulerHeartbeat.last_tick_at < db_now(-KEEP_DAYS * 86400)))
        host, pid = process.split(":")[:2]
        row = SchedulerHeartbeat(process=process, host=host, pid=int(pid), started_at=now,
                                 last_tick_at=now, ticks=0)
        session.add(row)
    row.last_tick_at = now
    row.ticks = (row.ticks or 0) + 1
    row.last_claimed = beat.claimed
    if beat.error is None:
        row.last_ok_at = now
        row.last_error = None
    else:
        row.last_error = beat.error[:2000]
        row.last_error_at = now
    session.flush()


def recent_heartbeats(session: Session, now: datetime, within: timedelta
                      ) -> list[SchedulerHeartbeat]:
    """Processes that ticked since ``now - within``, the latest first."""
    return list(session.scalars(select(SchedulerHeartbeat)
                                .where(SchedulerHeartbeat.last_tick_at >= now - within)
                                .order_by(SchedulerHeartbeat.last_tick_at.desc())))
