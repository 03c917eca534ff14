"""Periodic jobs: packages register them; the scheduler runs each inside an app context.

A job is ``func(session, now) -> None``; the runner commits on success and rolls back on
error, so jobs only flush.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

JobFunc = Callable[[Session, datetime], None]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: JobFunc
    every_seconds: int


_jobs: dict[str, PeriodicJob] = {}


def register_job(name: str, func: JobFunc, every_seconds: int) -> None:
    _jobs[name] = PeriodicJob(name, func, every_seconds)


def registered_jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda j: j.name)
