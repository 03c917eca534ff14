"""A dispatch process without the scheduler: ``python -m tests.support.dispatch_worker``.

Runs dispatch rounds in a loop (or until nothing is left, ``--once-until-empty``), against
the configured database. Any number may run at once against PostgreSQL: the claims keep
each row with one process. A database error (an outage, a restart, a lock timeout) is
logged and the next round tries again: the process never exits on one. Used by the
exactly-once tests and the benchmark (run it from the repository root); production runs
``flask --app advisor_hub scheduler``, which also runs the periodic jobs.

``--fork-server``: build the app once, then for each line read on stdin (a process name)
fork a dispatch process of that name and print its pid; the kill -9 loop
(``tests.support.kill_loop``) kills those with SIGKILL, without paying the app's start-up
(a second of CPU) for each of its runs. Each child is a process of its own with its own
database connections (the pool is left to the parent) and its own dispatcher.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select

from advisor_hub.db import database
from advisor_hub.publishing.clock import db_now
from advisor_hub.publishing.dispatch import Dispatcher, Outcome
from advisor_hub.publishing.models import PublicationTarget, TargetState

log = logging.getLogger("dispatch_worker")


def remaining(session: Any) -> int:
    """Rows that still need a dispatcher: due or in flight."""
    T = PublicationTarget
    return int(session.scalar(select(func.count()).select_from(T).where(or_(
        (T.state == TargetState.SCHEDULED) & (T.due_at <= db_now()),
        T.state == TargetState.PUBLISHING))) or 0)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--sandbox-url", help="where the Sandbox network is served")
    parser.add_argument("--token-key", help="TOKEN_ENCRYPTION_KEY")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lease-seconds", type=int)
    parser.add_argument("--name", default=None)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--once-until-empty", action="store_true",
                        help="stop when no row is due or in flight")
    parser.add_argument("--max-seconds", type=float, default=600)
    parser.add_argument("--fork-server", action="store_true",
                        help="fork one dispatch process per name read on stdin")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from advisor_hub import create_app

    args = parse(argv)
    logging.basicConfig(level=logging.WARNING)
    overrides: dict[str, Any] = {"SCHEDULER_ENABLED": False, "ENV": "development"}
    for key, value in (("DATABASE_URL", args.database_url), ("SANDBOX_API_BASE", args.sandbox_url),
                       ("TOKEN_ENCRYPTION_KEY", args.token_key),
                       ("DISPATCH_WORKERS", args.workers),
                       ("DISPATCH_BATCH_SIZE", args.batch_size),
                       ("DISPATCH_LEASE_SECONDS", args.lease_seconds)):
        if value is not None:
            overrides[key] = value
    app = create_app(overrides)
    if args.fork_server:
        return fork_server(app, args)
    return run(app, args, args.name)


def fork_server(app: Any, args: argparse.Namespace) -> int:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the children are reaped by the kernel
    for line in sys.stdin:
        name = line.strip()
        if not name:
            continue
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            database(app).engine.dispose(close=False)  # the parent's connections stay its own
            os._exit(run(app, args, name))
        print(pid, flush=True)
    return 0


def run(app: Any, args: argparse.Namespace, name: str | None) -> int:
    dispatcher = Dispatcher(database(app).sessionmaker, app.config, worker=name)
    deadline = time.monotonic() + args.max_seconds
    published = errors = 0
    try:
        while time.monotonic() < deadline:
            try:
                report = dispatcher.run_once()
                published += report.outcomes.get(Outcome.PUBLISHED, 0)
                if report.claimed:
                    continue
                if args.once_until_empty:
                    with database(app).sessionmaker() as session:
                        if remaining(session) == 0:
                            break
            except Exception:
                errors += 1
                log.exception("dispatch round failed; trying again")
            time.sleep(args.interval)
    finally:
        dispatcher.close()
    print(f"published={published} errors={errors}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
