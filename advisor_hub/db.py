"""Database: the declarative base, UTC timestamps, and one session per app context.

Modelled on flask-sqlalchemy-lite: the engine lives in ``app.extensions``; ``get_session()``
hands out one plain :class:`Session` per app context, closed at teardown. Views commit once
after their service call succeeds; services only ``flush()``.

Side effects that need no transaction (mail, a network call) are queued on the session with
:func:`after_commit` and run once its outermost transaction has committed (the pattern of
Indico's e-mail queue); a rollback drops them, also the rollback of the savepoint they were
queued in.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g
from sqlalchemy import (
    ColumnElement,
    CursorResult,
    DateTime,
    Executable,
    MetaData,
    any_,
    bindparam,
    create_engine,
    event,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)
T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always returns an aware UTC datetime, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


SQLITE_BEGIN = "advisor_hub_sqlite_begin"  # execution option: the statement that opens a
# transaction on SQLite ("BEGIN" unless a caller asks for "BEGIN IMMEDIATE")


def make_engine(url: str, *, busy_timeout_ms: int = 30_000, **kwargs: Any) -> Engine:
    """The engine; limits (timeouts) come from ``db_limits.engine_options``."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False,
                                           "timeout": busy_timeout_ms / 1000})
        engine = create_engine(url, **kwargs)
        _create_private_file(engine.url.database)
        _fix_sqlite_transactions(engine, busy_timeout_ms)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _create_private_file(database: str | None) -> None:
    """SQLite creates a missing database file with the process umask (often readable by
    everyone): create it first, mode 0600; its -wal and -shm files take the same mode."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    # OSError: it exists, or its folder does not (the start-up check reports that).
    with contextlib.suppress(OSError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _fix_sqlite_transactions(engine: Engine, busy_timeout_ms: int) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself
    # (the documented recipe), and turn foreign keys and WAL on for every connection.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get(SQLITE_BEGIN, "BEGIN"))


class Database:
    """The app's engine and session factory (one per app)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)

    def bind_to_connection(self, connection: Connection) -> None:
        """Tests: every session joins the test's outer transaction through savepoints."""
        self.sessionmaker = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )


def init_app(app: Flask) -> None:
    from advisor_hub.db_limits import engine_options

    url = app.config["DATABASE_URL"]
    app.extensions["database"] = Database(make_engine(url, **engine_options(url, app.config)))
    app.teardown_appcontext(_close_session)


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["database"]


def get_session() -> Session:
    """The session of the current app context (request, CLI command or job)."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


@contextmanager
def transaction() -> Iterator[Session]:
    """Commit on success, roll back on any error: for CLI commands and jobs.

    On SQLite it takes the write lock first (``BEGIN IMMEDIATE``): these read, then write,
    and in WAL mode a deferred transaction whose snapshot another writer made stale fails at
    its first write at once ("database is locked") instead of waiting its turn."""
    session = get_session()
    if session.get_bind().dialect.name == "sqlite" and not session.in_transaction():
        session.connection(execution_options={SQLITE_BEGIN: "BEGIN IMMEDIATE"})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


# --- side effects after the commit ----------------------------------------------------------

def rows_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE; how many rows it changed (the compare-and-set answer).

    ``Session.execute`` is typed as returning a plain ``Result``; for DML it is a
    ``CursorResult``, which carries ``rowcount``.
    """
    return cast(CursorResult[Any], session.execute(statement)).rowcount or 0


AFTER_COMMIT = "advisor_hub_after_commit"  # session.info key: [(transaction, handler, item)]


def after_commit(session: Session, handler: Callable[[list[T]], None], item: T) -> None:
    """Queue ``item`` for ``handler``, to run once the session's outermost transaction commits.

    At that commit each handler is called once, with the items queued for it that survived,
    in order (one SMTP connection for every mail of a transaction). A rollback drops the
    items queued in what it rolled back: the whole transaction, or the savepoint (and the
    savepoints inside it) an item was queued in. A handler runs after the commit, so it
    holds no lock and must not use the session; if it fails the failure is logged and the
    commit stands: the caller never sees it."""
    current = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(AFTER_COMMIT, []).append((current, handler, item))


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous: SessionTransaction) -> None:
    queued = session.info.get(AFTER_COMMIT)
    if queued:
        root = previous.parent is None
        queued[:] = [e for e in queued if not root and not _within(e[0], previous)]


@event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint: after_soft_rollback sorts it
        session.info.pop(AFTER_COMMIT, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_on_close(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # closed without a commit (Session.close()): nothing runs
        session.info.pop(AFTER_COMMIT, None)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: wait for the real commit
        return
    queued = session.info.pop(AFTER_COMMIT, None)
    if not queued:
        return
    batches: dict[Callable[[list[Any]], None], list[Any]] = {}
    for _transaction, handler, item in queued:
        batches.setdefault(handler, []).append(item)
    for handler, items in batches.items():
        try:
            handler(items)
        except Exception:  # the commit stands; the side effect is lost, and logged
            log.exception("after-commit handler %s failed (%d item(s))",
                          getattr(handler, "__qualname__", handler), len(items))


def one_of(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN (values)`` written for batches: on PostgreSQL ``column = ANY(:array)``.

    An IN list renders one placeholder per value, so every batch size is a new statement
    text, and psycopg parses again any statement over 50 parameters (it caches none of
    them); an array is one parameter, one statement text, parsed once."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)
