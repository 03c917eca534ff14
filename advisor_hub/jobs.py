"""Periodic jobs: features declare them (``Feature.jobs``); the factory collects them into
``app.extensions["jobs"]``; the scheduler runs each inside an app context.

A job is ``func(session, now) -> None``; the runner commits on success and rolls back on
error, so jobs only flush.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session

JobFunc = Callable[[Session, datetime], None]
JOBS_EXTENSION = "jobs"


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: JobFunc
    every_seconds: int


def jobs_of(app: Flask) -> list[PeriodicJob]:
    """The app's job table (every job its features declare), by name."""
    return sorted(app.extensions[JOBS_EXTENSION].values(), key=lambda j: j.name)
