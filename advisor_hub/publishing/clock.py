"""The database's clock: the one "now" every scheduler host agrees on.

Claims, leases, due checks, backoff times and the reconcile wait compare with the
database's time (``statement_timestamp()`` on PostgreSQL, ``'now'`` on SQLite, evaluated
inside the statement), never with a host's wall clock: with one scheduler host an hour ahead, rows
would go out an hour early and live leases would look expired (#12.2).

A host measures only durations, and only with its monotonic clock (``time.monotonic``):
how much of a lease is left (``LeaseClock``), when the next round is due (``ticker``).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from sqlalchemy import Float, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from advisor_hub.db import UTCDateTime


class db_now(FunctionElement[datetime]):
    """The database's current UTC time, plus ``seconds`` (may be negative), as SQL.

    PostgreSQL: ``statement_timestamp()`` (the statement's start; ``now()`` would be the
    transaction's, stale in a long one) plus an interval; SQLite: ``'now'`` (one value per
    statement) formatted as SQLAlchemy stores datetimes, so that stored values and this
    compare as the strings they are."""

    type = UTCDateTime()
    inherit_cache = True
    name = "db_now"

    def __init__(self, seconds: float | Any = 0.0) -> None:
        if isinstance(seconds, int | float):
            seconds = literal(float(seconds), Float())
        super().__init__(seconds)


@compiles(db_now, "postgresql")
def _pg_now(element: db_now, compiler: Any, **kw: Any) -> str:
    (seconds,) = element.clauses.clauses
    return f"(statement_timestamp() + make_interval(secs => {compiler.process(seconds, **kw)}))"


@compiles(db_now, "sqlite")
def _sqlite_now(element: db_now, compiler: Any, **kw: Any) -> str:
    (seconds,) = element.clauses.clauses
    # '%f' is seconds with milliseconds; three zeros make the microseconds SQLAlchemy writes.
    return ("(strftime('%Y-%m-%d %H:%M:%f', 'now', "
            f"printf('%+.6f seconds', {compiler.process(seconds, **kw)})) || '000')")


def read_db_now(session: Session) -> datetime:
    """The database's current time (aware UTC)."""
    value = session.scalar(select(db_now()))
    assert value is not None
    return value


class LeaseClock:
    """How much of a lease is left, by this host's monotonic clock.

    Started just before the claim statement, so the database's lease (its ``now()`` +
    ``seconds``) ends no earlier than ``deadline``: the host can only under-estimate it."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()
