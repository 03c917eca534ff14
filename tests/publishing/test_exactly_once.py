"""Invariant 2 with real OS processes: several dispatchers at once, one killed mid-send, and
kill -9 at random points in a loop of 20 runs (``tests.support.kill_loop``; 50 runs:
``bench/faults.py --kill-runs 50``).

The processes are ``python -m tests.support.dispatch_worker`` (from the repository root):
the real dispatcher re-checking each row against the real approvals and library packages;
the rows come from ``tests.support.loadgen.seed_due_rows`` with real, standing approvals.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advisor_hub import ROOT
from advisor_hub.db import make_engine
from advisor_hub.publishing.models import PublicationTarget, TargetState
from advisor_hub.sandbox import SandboxServer
from approvals.models import ReviewRequest
from tests.publishing.conftest import KEY
from tests.support.kill_loop import kill_loop
from tests.support.loadgen import seed_due_rows

pytestmark = pytest.mark.xdist_group("processes")


@pytest.fixture
def counting_sandbox() -> Iterator[SandboxServer]:
    # Double sends must show up in the counts, not be hidden by duplicate rejection.
    with SandboxServer({"ENABLE_CONTROL": True, "REJECT_DUPLICATE_KEYS": False,
                        "REJECT_DUPLICATE_TEXT": False, "ACCESS_TOKEN_TTL": 3600}) as server:
        yield server


def start_worker(url: str, sandbox_url: str, name: str, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "SANDBOX_READ_TIMEOUT": "2", "SANDBOX_CONNECT_TIMEOUT": "1",
           "SANDBOX_REJECTS_DUPLICATES": "false",  # as counting_sandbox is told
           "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT),
                                                       os.environ.get("PYTHONPATH"))))}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.dispatch_worker",
         "--database-url", url, "--sandbox-url", sandbox_url,
         f"--token-key={KEY}",  # one argument: a generated key may start with "-"
         "--name", name, "--workers", "8", *extra],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def states(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.execute(select(PublicationTarget.state, func.count())
                               .group_by(PublicationTarget.state)).all()
    engine.dispose()
    return dict(rows)  # type: ignore[arg-type]


def unused_approvals(url: str) -> int:
    """Approvals the workers did not mark used: the real approvals package records each use."""
    engine = make_engine(url)
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(ReviewRequest)
                               .where(ReviewRequest.used_at.is_(None)))
    engine.dispose()
    return int(count or 0)


def seed(url: str, sandbox_url: str, rows: int) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        seed_due_rows(session, sandbox_url=sandbox_url, key=KEY, rows=rows)
    engine.dispose()


def finish(process: subprocess.Popen, timeout: float = 240) -> None:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]


@pytest.mark.postgres_only
def test_three_processes_publish_2000_rows_exactly_once(fresh_database_url, counting_sandbox,
                                                        backend):
    seed(fresh_database_url, counting_sandbox.url, 2000)
    workers = [start_worker(fresh_database_url, counting_sandbox.url, f"p{n}",
                            "--batch-size", "50", "--once-until-empty") for n in range(3)]
    for process in workers:
        finish(process)
    stats = counting_sandbox.state.stats()
    assert stats["keys_posted_more_than_once"] == []
    assert stats["posts"] == 2000
    assert states(fresh_database_url) == {TargetState.PUBLISHED: 2000}
    assert unused_approvals(fresh_database_url) == 0


@pytest.mark.both_backends
def test_a_process_killed_mid_send_loses_and_doubles_nothing(fresh_database_url,
                                                             counting_sandbox, backend):
    rows = 200
    seed(fresh_database_url, counting_sandbox.url, rows)
    counting_sandbox.state.post_latency = 0.05
    victim = start_worker(fresh_database_url, counting_sandbox.url, "victim",
                          "--lease-seconds", "6", "--batch-size", "16")
    deadline = time.monotonic() + 30
    while counting_sandbox.state.stats()["posts"] < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    before = states(fresh_database_url)
    assert before.get(TargetState.PUBLISHING, 0) > 0, before  # it died holding claims
    survivor = start_worker(fresh_database_url, counting_sandbox.url, "survivor",
                            "--lease-seconds", "6", "--batch-size", "16",
                            "--once-until-empty")
    finish(survivor)
    stats = counting_sandbox.state.stats()
    assert not stats["keys_posted_more_than_once"]
    assert stats["posts"] == rows
    assert states(fresh_database_url) == {TargetState.PUBLISHED: rows}
    assert unused_approvals(fresh_database_url) == 0


KILL_RUNS = 20  # the bar for the suite; bench/faults.py --kill-runs 50


@pytest.mark.postgres_only
def test_kill_9_at_random_points_in_a_loop_loses_and_doubles_nothing(fresh_database_url,
                                                                    counting_sandbox, backend):
    counting_sandbox.state.post_latency = 0.2  # 4 workers: about 20 posts/s, kills mid-send
    report = kill_loop(fresh_database_url, counting_sandbox, KEY, runs=KILL_RUNS,
                       rows=8 * KILL_RUNS)
    assert report.problems == []
    assert report.rows == 8 * KILL_RUNS
    assert report.published_once + sum(report.terminal.values()) == report.rows
    # Most kills caught the process holding claims (the loop is not only killing idle ones).
    assert report.kills_holding_claims >= KILL_RUNS // 2, report
    assert unused_approvals(fresh_database_url) <= sum(report.terminal.values())
