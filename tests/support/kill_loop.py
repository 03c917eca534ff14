"""kill -9 of a scheduler process at random points, in a loop (#12, "Fault tests").

Shared by ``tests/publishing/test_exactly_once.py`` (20 runs) and ``bench/faults.py
--kill-runs 50``. The rows are seeded once (``loadgen.seed_due_rows``, real standing
approvals); each run starts one ``tests.support.dispatch_worker`` process (the real
dispatcher; forked by one ``--fork-server`` process that built the app once, so that a run
costs no app start-up), waits until the Sandbox has received a post from it (or it has been up for a
while), waits a random delay more and kills it with SIGKILL: mid-claim, mid-send, between
the Sandbox's answer and the commit, in a reconcile lookup, or idle. The next run's process
takes over the dead one's rows when their leases end, so later kills also land in the
take-over and reconcile paths. A last process drains what is left (``--once-until-empty``).

``check`` judges every row by the Sandbox's record (its duplicate rejection off, so a double
send shows): published exactly once, or a visible terminal state with a reason.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.db import make_engine
from advisor_hub.publishing.models import PublicationTarget, TargetState
from advisor_hub.sandbox import SandboxServer
from tests.support.loadgen import seed_due_rows

ROOT = Path(__file__).resolve().parent.parent.parent
TERMINAL = (TargetState.FAILED, TargetState.NEEDS_CHECK, TargetState.CANCELLED)
# Short timeouts so that a dead process's rows come back within seconds: a lease is
# connect + read timeout + a margin at least (dispatch.loop), "absent" is believed 3 read
# timeouts after the attempt (dispatch.reconcile).
# Retries and lookups after an unknown outcome come within seconds too (30 s by default),
# which only makes the take-overs more frequent.
WORKER_ENV = {"SANDBOX_READ_TIMEOUT": "1", "SANDBOX_CONNECT_TIMEOUT": "0.5",
              "SANDBOX_REJECTS_DUPLICATES": "false",  # as the counting Sandbox is told
              "DISPATCH_BACKOFF_SECONDS": "2",
              "ADVISOR_HUB_DISPATCH_RECONCILE_DELAY_SECONDS": "2"}
LEASE_SECONDS = 3


@dataclass
class KillReport:
    runs: int = 0
    kills_holding_claims: int = 0  # kills that left rows in "publishing"
    rows: int = 0
    published_once: int = 0
    terminal: dict[str, int] = field(default_factory=dict)
    terminal_but_out: int = 0  # terminal rows the Sandbox had published (a needless check)
    problems: list[str] = field(default_factory=list)  # one line per row that broke the bar
    seconds: float = 0.0
    drain_seconds: float = 0.0  # the last process, draining what the kills left


def start_worker(url: str, sandbox_url: str, key: str, name: str, *extra: str,
                 stderr: Any = subprocess.PIPE) -> subprocess.Popen:
    env = {**os.environ, **WORKER_ENV, "PYTHONPATH": os.pathsep.join(
        filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.dispatch_worker",
         "--database-url", url, "--sandbox-url", sandbox_url,
         f"--token-key={key}",  # one argument: a generated key may start with "-"
         "--name", name, "--workers", "4", "--batch-size", "8",
         "--lease-seconds", str(LEASE_SECONDS), "--interval", "0.05", *extra],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=stderr, text=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _publishing(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = len(session.scalars(select(PublicationTarget.id).where(
            PublicationTarget.state == TargetState.PUBLISHING)).all())
    engine.dispose()
    return count


def kill_loop(url: str, sandbox: SandboxServer, key: str, *, runs: int, rows: int,
              seed: int | None = None, max_delay: float = 0.5) -> KillReport:
    """Seed ``rows`` due rows, kill ``runs`` dispatch processes at random points, drain, check.
    The Sandbox must count double sends (duplicate rejection off) and should add latency to
    each post (``post_latency``) so that a process is mid-send when it dies."""
    rng = random.Random(seed)
    started = time.monotonic()
    engine = make_engine(url)
    with Session(engine) as session:
        seed_due_rows(session, sandbox_url=sandbox.url, key=key, rows=rows)
    engine.dispose()
    report = KillReport(runs=runs)
    # The children's logs go to a file: a pipe nobody reads could fill and block them.
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed below, after the loop)
    server = start_worker(url, sandbox.url, key, "fork-server", "--fork-server", stderr=log)
    assert server.stdin is not None and server.stdout is not None
    try:
        for run in range(runs):
            before = sandbox.state.stats()["posts"]
            server.stdin.write(f"victim-{run}\n")
            server.stdin.flush()
            victim = int(server.stdout.readline())
            deadline = time.monotonic() + 5
            # Its first post (or, once the rows are all out, a while up: a kill when idle).
            while sandbox.state.stats()["posts"] == before and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0, max_delay))
            os.kill(victim, signal.SIGKILL)
            while _alive(victim):
                time.sleep(0.01)
            report.kills_holding_claims += _publishing(url) > 0
    finally:
        server.stdin.close()
        server.wait(timeout=30)
        log.seek(0)
        errors = [line for line in log if "Traceback" in line]
        log.close()
    if server.returncode != 0 or errors:
        report.problems.append(f"fork server exited {server.returncode}, {len(errors)} "
                               "traceback(s) in its processes' logs")
    drain_started = time.monotonic()
    survivor = start_worker(url, sandbox.url, key, "survivor", "--once-until-empty")
    out, err = survivor.communicate(timeout=240)
    report.drain_seconds = round(time.monotonic() - drain_started, 1)
    if survivor.returncode != 0:
        report.problems.append(f"survivor exited {survivor.returncode}: {err[-2000:]}")
    check(url, sandbox, report)
    report.seconds = round(time.monotonic() - started, 1)
    return report


def check(url: str, sandbox: SandboxServer, report: KillReport) -> None:
    """Per row: published exactly once by the Sandbox's record, or terminal with a reason."""
    per_key = sandbox.state.stats()["posts_per_key"]
    engine = make_engine(url)
    with Session(engine) as session:
        T = PublicationTarget
        targets = session.execute(select(T.id, T.state, T.idempotency_key, T.last_error,
                                         T.attempts, T.resent_for_reconcile)).all()
    engine.dispose()
    report.rows = len(targets)
    with sandbox.state.lock:
        times = {}
        for post in sandbox.state.posts:
            times.setdefault(post.idempotency_key, []).append(post.created_at.isoformat())
    for target_id, state, key, reason, attempts, resent in targets:
        sent = per_key.get(key, 0)
        if state == TargetState.PUBLISHED and sent == 1:
            report.published_once += 1
        elif state in TERMINAL and reason and sent <= 1:
            report.terminal[str(state)] = report.terminal.get(str(state), 0) + 1
            report.terminal_but_out += sent
        else:
            report.problems.append(f"row {target_id}: {state} sent {sent} time(s), "
                                   f"reason {reason!r}, attempts {attempts}, reconcile "
                                   f"resend {resent}, at {times.get(key)}")
