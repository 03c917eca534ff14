"""Dispatch benchmark: due outbox rows to the Sandbox over HTTP on loopback.

    python bench/dispatch.py [--rows 10000] [--db sqlite|postgresql|both] [--workers 8]
                             [--batch-size 100]

Scenarios: 1 and 3 dispatcher processes on each database, and one process with 8 then 16
workers while the Sandbox adds 100 ms per post. Each prints posts per second (first to last
post the Sandbox accepted; ``wall_posts_per_s`` also counts starting the processes),
duplicates (a key posted more than once, counted by the Sandbox with duplicate rejection
off) and lost rows (not published at the end); the last line is one JSON object.

The worker processes are ``python -m tests.support.dispatch_worker``: the real
dispatcher with the real approvals and library re-checks; ``loadgen.seed_due_rows`` gives each
post a real, standing approval (review rows inserted in bulk).
PostgreSQL: DATABASE_URL-style server from BENCH_PG_URL (default postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor_hub import migrate  # noqa: E402
from advisor_hub.db import make_engine  # noqa: E402
from advisor_hub.model_registry import import_all_models  # noqa: E402
from advisor_hub.networks import generate_key  # noqa: E402
from advisor_hub.publishing.models import PublicationTarget, TargetState  # noqa: E402
from advisor_hub.sandbox import SandboxServer  # noqa: E402
from tests.support.loadgen import seed_due_rows  # noqa: E402

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
KEY = generate_key()
# The workers run ``tests.support``: the repository root on their path.
WORKER_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}


def fresh_database(kind: str, name: str) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/{name}.sqlite3"
    else:
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    with engine.begin() as connection:
        migrate.upgrade(connection=connection)
    engine.dispose()
    return url


def published(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = session.scalar(sa.select(sa.func.count()).select_from(PublicationTarget)
                               .where(PublicationTarget.state == TargetState.PUBLISHED))
    engine.dispose()
    return int(count or 0)


def scenario(kind: str, rows: int, processes: int, workers: int, latency: float,
             name: str, batch_size: int) -> dict[str, Any]:
    url = fresh_database(kind, name)
    config = {"ENABLE_CONTROL": True, "REJECT_DUPLICATE_KEYS": False,
              "REJECT_DUPLICATE_TEXT": False, "ACCESS_TOKEN_TTL": 3600,
              "POST_LATENCY": latency}
    with SandboxServer(config) as sandbox:
        engine = make_engine(url)
        with Session(engine) as session:
            seed_due_rows(session, sandbox_url=sandbox.url, key=KEY, rows=rows)
        engine.dispose()
        started = time.perf_counter()
        procs = [subprocess.Popen(
            [sys.executable, "-m", "tests.support.dispatch_worker",
             "--database-url", url, "--sandbox-url", sandbox.url,
             f"--token-key={KEY}",  # may start with "-"
             "--workers", str(workers),
             "--batch-size", str(batch_size), "--once-until-empty",
             "--name", f"{name}-{n}", "--interval", "0.05"],
            cwd=ROOT, env=WORKER_ENV, stdout=subprocess.DEVNULL) for n in range(processes)]
        for proc in procs:
            proc.wait()
        elapsed = time.perf_counter() - started
        stats = sandbox.state.stats()
        times = sorted(post.created_at for post in sandbox.state.posts)
    done = published(url)
    # Dispatch throughput: first to last post the Sandbox accepted. The wall figure also
    # counts starting the processes (about 1.5 s of CPU each), which a long-running
    # scheduler pays once.
    dispatching = (times[-1] - times[0]).total_seconds() if len(times) > 1 else elapsed
    result = {"db": kind, "processes": processes, "workers": workers, "latency": latency,
              "batch_size": batch_size, "rows": rows, "seconds": round(elapsed, 2),
              "posts_per_s": round(stats["posts"] / max(dispatching, 1e-9), 1),
              "wall_posts_per_s": round(stats["posts"] / elapsed, 1),
              "duplicates": len(stats["keys_posted_more_than_once"]),
              "lost": rows - done}
    print(json.dumps(result), flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=100,
                        help="rows per claim (DISPATCH_BATCH_SIZE; the app's default is 100)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    import_all_models()
    from advisor_hub.accounts.passwords import use_fast_hashing

    use_fast_hashing()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    summary: dict[str, Any] = {"rows": args.rows}
    results = []
    short = {"sqlite": "sqlite", "postgresql": "pg"}
    for kind in kinds:
        for processes in (1, 3):
            r = scenario(kind, args.rows, processes, args.workers, 0.0,
                         f"bench_{short[kind]}_{processes}", args.batch_size)
            summary[f"{short[kind]}_{processes}proc_posts_per_s"] = r["posts_per_s"]
            results.append(r)
    # With 100 ms per post, one process: throughput follows the pool size (the ideal is
    # workers / 0.1 s).
    latency_db = "postgresql" if "postgresql" in kinds else kinds[0]
    for workers in (8, 16):
        r = scenario(latency_db, args.rows, 1, workers, 0.1, f"bench_latency_{workers}",
                     args.batch_size)
        summary[f"latency100_{workers}workers_posts_per_s"] = r["posts_per_s"]
        results.append(r)
    summary["duplicates"] = sum(r["duplicates"] for r in results)
    summary["lost"] = sum(r["lost"] for r in results)
    print(json.dumps(summary))
    return 0 if summary["duplicates"] == 0 and summary["lost"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
