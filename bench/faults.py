"""Fault benchmark (not a timed test): kill -9 of a scheduler process at random points.

    python bench/faults.py [--kill-runs 50] [--rows-per-run 8] [--seed N]

The loop of ``tests.support.kill_loop`` (the suite runs it 20 times on PostgreSQL, in
``tests/publishing/test_exactly_once.py``): rows seeded once with real approvals, one
dispatch process per run killed with SIGKILL a random delay after its first post reached the
Sandbox (mid-claim, mid-send, before the commit, in a take-over), a last process draining
what is left. Every row must end published exactly once by the Sandbox's record (its
duplicate rejection off) or in a terminal state with a reason. The last line is one JSON
object; exit 1 on any row that broke that bar (listed before it).
PostgreSQL: BENCH_PG_URL (default postgres@127.0.0.1:5432), database bench_faults.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor_hub.model_registry import import_all_models  # noqa: E402
from advisor_hub.sandbox import SandboxServer  # noqa: E402
from bench.dispatch import KEY, fresh_database  # noqa: E402
from tests.support.kill_loop import kill_loop  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kill-runs", type=int, default=50)
    parser.add_argument("--rows-per-run", type=int, default=8)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    import_all_models()
    from advisor_hub.accounts.passwords import use_fast_hashing

    use_fast_hashing()
    url = fresh_database("postgresql", "bench_faults")
    with SandboxServer({"ENABLE_CONTROL": True, "REJECT_DUPLICATE_KEYS": False,
                        "REJECT_DUPLICATE_TEXT": False, "ACCESS_TOKEN_TTL": 3600,
                        "POST_LATENCY": 0.2}) as sandbox:
        report = kill_loop(url, sandbox, KEY, runs=args.kill_runs,
                           rows=args.rows_per_run * args.kill_runs, seed=args.seed)
    for problem in report.problems:
        print(problem, flush=True)
    duplicates = sum(" sent 2 " in p or " sent 3 " in p for p in report.problems)
    print(json.dumps({"kill_runs": report.runs, "kills_holding_claims":
                      report.kills_holding_claims, "rows": report.rows,
                      "published_once": report.published_once, "terminal": report.terminal,
                      "terminal_but_published": report.terminal_but_out,
                      "problems": len(report.problems), "duplicates": duplicates,
                      "lost": report.rows - report.published_once
                      - sum(report.terminal.values()) - duplicates,
                      "seconds": report.seconds, "drain_seconds": report.drain_seconds}))
    return 0 if not report.problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
