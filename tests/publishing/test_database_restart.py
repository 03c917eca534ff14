"""#12.9: every long-running process survives a database restart.

A private PostgreSQL server (``tests.support.private_pg``) is stopped (immediate: as a
crash) while ``flask scheduler`` and ``tests.support.dispatch_worker`` are dispatching, kept
down a few seconds, and started again. Both processes must still run, and every row must
end published exactly once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from advisor_hub import ROOT, migrate
from advisor_hub.db import make_engine
from advisor_hub.publishing.heartbeat import SchedulerHeartbeat
from advisor_hub.publishing.models import PublicationTarget, TargetState
from advisor_hub.sandbox import SandboxServer
from tests.conftest import unavailable
from tests.publishing.conftest import KEY
from tests.support.loadgen import seed_due_rows
from tests.support.private_pg import PrivatePostgres, binaries

pytestmark = pytest.mark.xdist_group("processes")
ROWS = 120


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    if binaries() is None:
        unavailable("no PostgreSQL server binaries (apt-get install postgresql)")
    server = PrivatePostgres().init()
    server.start()
    admin = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT",
                             poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text("CREATE DATABASE hub"))
    admin.dispose()
    yield server
    server.destroy()


@pytest.fixture
def counting_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer({"ENABLE_CONTROL": True, "REJECT_DUPLICATE_KEYS": False,
                        "REJECT_DUPLICATE_TEXT": False, "ACCESS_TOKEN_TTL": 3600}) as server:
        yield server


def _env(url: str, sandbox_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "SANDBOX_API_BASE": sandbox_url,
            "TOKEN_ENCRYPTION_KEY": KEY, "SECRET_KEY": "restart-test",
            "SANDBOX_READ_TIMEOUT": "2", "SANDBOX_CONNECT_TIMEOUT": "1",
            "SANDBOX_REJECTS_DUPLICATES": "false", "SANDBOX_MOUNT": "false",
            "ADVISOR_HUB_SCHEDULER_INTERVAL_SECONDS": "0.2",
            "ADVISOR_HUB_DISPATCH_LEASE_SECONDS": "6",
            "ADVISOR_HUB_DISPATCH_RECONCILE_DELAY_SECONDS": "1",
            "ADVISOR_HUB_DISPATCH_BATCH_SIZE": "10",
            "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT),
                                                        os.environ.get("PYTHONPATH"))))}


def _states(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.execute(sa.select(PublicationTarget.state, sa.func.count())
                               .group_by(PublicationTarget.state)).all()
    engine.dispose()
    return {state: count for state, count in rows}


def _scheduler_ticks(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        ticks = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(SchedulerHeartbeat.ticks),
                                                          0)))
    engine.dispose()
    return int(ticks or 0)


def test_scheduler_and_worker_survive_a_database_restart(private_pg, counting_sandbox,
                                                         tmp_path):
    url = private_pg.url("hub")
    engine = make_engine(url)
    with engine.begin() as connection:
        migrate.upgrade(connection=connection)
    with Session(engine) as session:
        seed_due_rows(session, sandbox_url=counting_sandbox.url, key=KEY, rows=ROWS)
    engine.dispose()
    counting_sandbox.state.post_latency = 0.05  # so that the restart falls mid-dispatch
    env = _env(url, counting_sandbox.url)
    # Files, not pipes: a full pipe would block a process logging its database errors.
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ("scheduler", "worker")}
    processes = {
        "scheduler": subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "advisor_hub", "scheduler"],
            cwd=tmp_path, env={**env, "ADVISOR_HUB_DISPATCH_WORKERS": "4"},
            stdout=logs["scheduler"], stderr=subprocess.STDOUT),
        "worker": subprocess.Popen(
            [sys.executable, "-m", "tests.support.dispatch_worker", "--workers", "4",
             "--batch-size", "10", "--lease-seconds", "6", "--name", "worker",
             "--max-seconds", "300"],
            cwd=ROOT, env=env, stdout=logs["worker"], stderr=subprocess.STDOUT),
    }
    try:
        deadline = time.monotonic() + 60
        while counting_sandbox.state.stats()["posts"] < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert counting_sandbox.state.stats()["posts"] >= 10, "dispatch never started"
        # Both must be past start-up (whose database check rightly exits when it cannot
        # connect): the scheduler has ticked once, its heartbeat says so.
        while _scheduler_ticks(url) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _scheduler_ticks(url) >= 1, "the scheduler never ticked"
        private_pg.stop("immediate")  # as a crash, in the middle of the rounds
        time.sleep(4)
        for name, process in processes.items():
            assert process.poll() is None, f"{name} exited while the database was down"
        private_pg.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if _states(url) == {TargetState.PUBLISHED: ROWS}:
                    break
            except sa.exc.OperationalError:
                pass
            time.sleep(0.5)
        for name, process in processes.items():
            assert process.poll() is None, f"{name} exited after the restart"
        assert _states(url) == {TargetState.PUBLISHED: ROWS}
        stats = counting_sandbox.state.stats()
        assert stats["posts"] == ROWS and not stats["keys_posted_more_than_once"]
    finally:
        for process in processes.values():
            process.terminate()
        for name, process in processes.items():
            process.wait(timeout=30)
            logs[name].close()
            print(f"--- {name} ---\n{(tmp_path / f'{name}.log').read_text()[-3000:]}")
