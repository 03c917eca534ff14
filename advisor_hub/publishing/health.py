"""Is publishing working? The schedulers' heartbeats, the dispatch lag and the rows waiting
for a person, read for ``/healthz`` and the operations page (#12.4).

Healthy means: at least one scheduler process finished a round within
``HEALTH_SCHEDULER_MAX_AGE_SECONDS``, and no row has been due (or waiting to be reconciled)
for longer than ``HEALTH_DISPATCH_LAG_SECONDS``. Every age is measured on the database's
clock, like the times it compares (``clock``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from advisor_hub.publishing.clock import read_db_now
from advisor_hub.publishing.heartbeat import SchedulerHeartbeat, recent_heartbeats
from advisor_hub.publishing.models import PublicationTarget, TargetState

T = PublicationTarget
SHOWN_FOR = timedelta(days=1)  # heartbeats of processes gone longer than this are not shown


@dataclass(frozen=True)
class HealthSettings:
    max_tick_age: float = 60.0  # seconds since a scheduler's last good round
    max_lag: float = 300.0  # seconds the oldest due row may wait
    query_timeout_ms: int = 2000  # PostgreSQL: the health queries never wait longer

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> HealthSettings:
        return cls(max_tick_age=float(config.get("HEALTH_SCHEDULER_MAX_AGE_SECONDS", 60)),
                   max_lag=float(config.get("HEALTH_DISPATCH_LAG_SECONDS", 300)),
                   query_timeout_ms=int(config.get("HEALTH_QUERY_TIMEOUT_MS", 2000)))


class Problem(enum.StrEnum):
    NO_SCHEDULER = "no_scheduler"  # no scheduler finished a round recently
    LAG = "lag"  # a row has been due too long
    FAILING = "failing"  # a live scheduler's last round failed (shown; not a 503 alone)
    OUTBOX_UNREADABLE = "outbox_unreadable"  # a lock held, a timeout: the lag is unknown


@dataclass(frozen=True)
class SchedulerStatus:
    process: str
    host: str
    pid: int
    started_at: datetime
    last_tick_at: datetime
    last_ok_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    ticks: int
    last_claimed: int
    tick_age: float  # seconds since its last round (ended well or not)
    ok_age: float | None  # seconds since its last good round
    alive: bool  # a good round within the allowed age


@dataclass(frozen=True)
class DispatchHealth:
    now: datetime
    settings: HealthSettings
    schedulers: list[SchedulerStatus]
    due_rows: int | None  # due or waiting to be reconciled, now (None: unreadable)
    oldest_due_at: datetime | None
    needs_check: int | None
    outbox_error: str | None = None  # why the outbox could not be read
    problems: list[Problem] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """Fail closed: an outbox that cannot be read is not healthy."""
        return not ({Problem.NO_SCHEDULER, Problem.LAG, Problem.OUTBOX_UNREADABLE}
                    & set(self.problems))

    @property
    def lag(self) -> float | None:
        """Seconds the oldest due row has waited (None: nothing due)."""
        if self.oldest_due_at is None:
            return None
        return max(0.0, (self.now - self.oldest_due_at).total_seconds())

    @property
    def alive(self) -> list[SchedulerStatus]:
        return [s for s in self.schedulers if s.alive]


def _status(beat: SchedulerHeartbeat, now: datetime, settings: HealthSettings
            ) -> SchedulerStatus:
    ok_age = (now - beat.last_ok_at).total_seconds() if beat.last_ok_at else None
    return SchedulerStatus(
        process=beat.process, host=beat.host, pid=beat.pid, started_at=beat.started_at,
        last_tick_at=beat.last_tick_at, last_ok_at=beat.last_ok_at, last_error=beat.last_error,
        last_error_at=beat.last_error_at, ticks=beat.ticks, last_claimed=beat.last_claimed,
        tick_age=(now - beat.last_tick_at).total_seconds(), ok_age=ok_age,
        alive=ok_age is not None and ok_age <= settings.max_tick_age)


def _outbox(session: Session, now: datetime) -> tuple[int, datetime | None, int]:
    """Rows due now, since when the oldest has waited, rows needing a check."""
    # A scheduled row waits from its due time; a row to reconcile from its lease's end.
    waiting = [session.execute(select(func.count(), func.min(since)).where(condition)).one()
               for condition, since in (
                   (and_(T.state == TargetState.SCHEDULED, T.due_at <= now), T.due_at),
                   (and_(T.state == TargetState.PUBLISHING,
                         or_(T.lease_expires_at.is_(None), T.lease_expires_at < now)),
                    func.coalesce(T.lease_expires_at, T.updated_at)))]
    due_rows = sum(int(count or 0) for count, _ in waiting)
    oldest = min((since for _, since in waiting if since is not None), default=None)
    needs_check = session.scalar(select(func.count()).where(
        T.state == TargetState.NEEDS_CHECK)) or 0
    return due_rows, oldest, int(needs_check)


def dispatch_health(session: Session, settings: HealthSettings) -> DispatchHealth:
    """Read everything (read-only; on PostgreSQL bounded by ``query_timeout_ms``, so a held
    table lock makes this fail fast instead of hanging the health check). The heartbeats
    are read even when the outbox cannot be (a lock on it): the page then shows why the
    schedulers are stuck."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL statement_timeout = {int(settings.query_timeout_ms)}"))
    now = read_db_now(session)
    schedulers = [_status(b, now, settings) for b in recent_heartbeats(session, now, SHOWN_FOR)]
    due_rows: int | None = None
    oldest: datetime | None = None
    needs_check: int | None = None
    outbox_error: str | None = None
    try:
        with session.begin_nested():
            due_rows, oldest, needs_check = _outbox(session, now)
    except DBAPIError as error:
        outbox_error = describe(error)
    health = DispatchHealth(now, settings, schedulers, due_rows, oldest, needs_check,
                            outbox_error)
    if not health.alive:
        health.problems.append(Problem.NO_SCHEDULER)
    if outbox_error is not None:
        health.problems.append(Problem.OUTBOX_UNREADABLE)
    if health.lag is not None and health.lag > settings.max_lag:
        health.problems.append(Problem.LAG)
    if any(s.last_error and s.tick_age <= settings.max_tick_age for s in schedulers):
        health.problems.append(Problem.FAILING)
    return health


def describe(error: BaseException) -> str:
    """One line an operator can act on: the class and the database's own message."""
    original = getattr(error, "orig", None) or error
    line = (str(original).strip().splitlines() or [""])[0]
    return f"{type(original).__name__}: {line}"[:500]


def as_json(health: DispatchHealth) -> dict[str, Any]:
    """What ``/healthz`` shows: no error text (it may name tables), the states and ages."""
    return {
        "schedulers": [{"process": s.process, "last_tick_at": s.last_tick_at.isoformat(),
                        "last_tick_age_seconds": round(s.tick_age, 1),
                        "last_ok_age_seconds": (round(s.ok_age, 1)
                                                if s.ok_age is not None else None),
                        "state": ("ok" if s.alive and not s.last_error
                                  else "failing" if s.last_error else "stale")}
                       for s in health.schedulers],
        "dispatch": {"due_rows": health.due_rows,
                     "readable": health.outbox_error is None,
                     "oldest_due_age_seconds": (round(health.lag, 1)
                                                if health.lag is not None else None),
                     "needs_check": health.needs_check},
        "problems": [str(p) for p in health.problems],
    }
