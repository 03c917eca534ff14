"""How long a statement may run and wait for a lock, so that nothing stalls silently (#12.5).

PostgreSQL: every connection of the app's engine gets ``statement_timeout`` and
``lock_timeout`` (``DB_STATEMENT_TIMEOUT_MS``, ``DB_LOCK_TIMEOUT_MS``; 0 turns one off), set
when it connects; the dispatcher's own transactions set theirs with ``SET LOCAL``
(``DISPATCH_STATEMENT_TIMEOUT_MS``, ``DISPATCH_LOCK_TIMEOUT_MS``): a dispatcher that waits
on a held table lock gives up, logs, says so in its heartbeat and tries again next round.
SQLite: the busy timeout (``DB_BUSY_TIMEOUT_MS``), how long a writer waits for the write
lock before "database is locked".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

DEFAULTS = {
    "DB_STATEMENT_TIMEOUT_MS": 30_000,
    "DB_LOCK_TIMEOUT_MS": 10_000,
    "DB_BUSY_TIMEOUT_MS": 30_000,
    "DISPATCH_STATEMENT_TIMEOUT_MS": 60_000,
    "DISPATCH_LOCK_TIMEOUT_MS": 5_000,
}


def setting(config: Mapping[str, Any], key: str) -> int:
    value = config.get(key)
    return int(DEFAULTS[key] if value in (None, "") else value)


def engine_options(url: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for ``db.make_engine`` carrying the configured limits."""
    if url.startswith("sqlite"):
        return {"busy_timeout_ms": setting(config, "DB_BUSY_TIMEOUT_MS")}
    if url.startswith("postgresql"):
        options = " ".join(f"-c {name}={setting(config, key)}" for name, key in (
            ("statement_timeout", "DB_STATEMENT_TIMEOUT_MS"),
            ("lock_timeout", "DB_LOCK_TIMEOUT_MS")))
        return {"connect_args": {"options": options}}
    return {}


def limited_sessions(make_session: Callable[[], Session], config: Mapping[str, Any]
                     ) -> Callable[[], Session]:
    """A session factory whose transactions set the dispatcher's limits (PostgreSQL)."""
    statement = setting(config, "DISPATCH_STATEMENT_TIMEOUT_MS")
    lock = setting(config, "DISPATCH_LOCK_TIMEOUT_MS")

    def on_begin(_session: Session, _transaction: Any, connection: Any) -> None:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {statement}; "
                                       f"SET LOCAL lock_timeout = {lock}")

    def make() -> Session:
        session = make_session()
        event.listen(session, "after_begin", on_begin)
        return session

    return make
