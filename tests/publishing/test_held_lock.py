"""#12.5: a table lock held by someone else makes the dispatcher give up within its lock
timeout (PostgreSQL) or busy timeout (SQLite), log it, show it on the health page, and
publish as soon as the lock goes. A database of its own: the lock must be someone else's.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub import create_app
from advisor_hub.accounts import services as accounts
from advisor_hub.db import make_engine, transaction
from advisor_hub.db_limits import engine_options
from advisor_hub.publishing.heartbeat import SchedulerHeartbeat
from advisor_hub.publishing.models import PublicationTarget, TargetState
from advisor_hub.publishing.scheduler import dispatch_tick
from tests.conftest import PASSWORD, app_config
from tests.publishing.conftest import settings_for
from tests.support.loadgen import seed_due_rows

pytestmark = pytest.mark.xdist_group("processes")


def _states(app) -> dict[str, int]:
    with app.app_context(), transaction() as session:
        rows = session.scalars(select(PublicationTarget.state)).all()
    return {state: rows.count(state) for state in set(rows)}


def _heartbeat(app) -> SchedulerHeartbeat | None:
    with app.app_context(), transaction() as session:
        return session.scalars(select(SchedulerHeartbeat)).one_or_none()


@pytest.mark.both_backends
def test_a_held_table_lock_stalls_dispatch_visibly_and_it_recovers(
        fresh_database_url, sandbox, backend, tmp_path: Path, caplog):
    from tests.publishing.conftest import KEY

    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        seed_due_rows(session, sandbox_url=sandbox.url, key=KEY, rows=3, accounts=1)
        accounts.create_user(session, actor=None, email="ops@example.com", first_name="Ops",
                             last_name="Admin", password=PASSWORD, roles=("admin",),
                             branch_id=None)
        session.commit()
    app = create_app(app_config(fresh_database_url, tmp_path, **settings_for(sandbox.url),
                                DISPATCH_LOCK_TIMEOUT_MS=300, DB_BUSY_TIMEOUT_MS=300,
                                HEALTH_QUERY_TIMEOUT_MS=500))
    locker_engine = make_engine(fresh_database_url,
                                **engine_options(fresh_database_url, {}))
    locker = locker_engine.connect()
    if backend == "postgresql":
        locker.begin()
        locker.exec_driver_sql("LOCK TABLE publication_targets IN ACCESS EXCLUSIVE MODE")
    else:  # SQLite: the write lock of the whole file
        locker = locker.execution_options(advisor_hub_sqlite_begin="BEGIN IMMEDIATE")
        locker.begin()
    try:
        started = time.monotonic()
        dispatch_tick(app)  # gives up within the lock timeout instead of waiting for ever
        assert time.monotonic() - started < 15
        assert sandbox.state.stats()["posts"] == 0
        assert "dispatch round failed" in caplog.text
        client = app.test_client()
        health = client.get("/healthz")
        assert health.status_code == 503
        if backend == "postgresql":  # the heartbeat table is not locked: the error shows
            beat = _heartbeat(app)
            assert beat is not None and "lock timeout" in (beat.last_error or "")
            assert health.get_json()["dispatch"]["readable"] is False
            client.post("/login", data={"email": "ops@example.com", "password": PASSWORD})
            page = client.get("/operations/scheduler").get_data(as_text=True)
            assert "lock timeout" in page and 'data-problem="outbox_unreadable"' in page
        else:  # nothing can be written: no heartbeat, so no scheduler looks alive
            assert "heartbeat not written" in caplog.text
            assert "no_scheduler" in health.get_json()["problems"]
    finally:
        locker.rollback()
        locker.close()
        locker_engine.dispose()
    dispatch_tick(app)  # the lock is gone: the next round publishes
    assert _states(app) == {TargetState.PUBLISHED: 3}
    assert sandbox.state.stats()["posts"] == 3
    beat = _heartbeat(app)
    assert beat is not None and beat.last_error is None
    assert app.test_client().get("/healthz").status_code == 200
    engine.dispose()
