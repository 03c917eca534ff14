"""A capture process: ``python -m tests.support.capture_worker`` runs the conversations
capture pass ``--passes`` times (each ignoring the interval between reads), as a scheduler
process would, against the given database and Sandbox. Used by the idempotency tests."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from sqlalchemy import update


def main(argv: Sequence[str] | None = None) -> int:
    from advisor_hub import create_app
    from advisor_hub.conversations.capture import capture_comments
    from advisor_hub.conversations.models import CaptureCursor
    from advisor_hub.db import transaction, utcnow

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sandbox-url", required=True)
    parser.add_argument("--token-key", required=True)
    parser.add_argument("--passes", type=int, default=1)
    args = parser.parse_args(argv)
    app = create_app({"DATABASE_URL": args.database_url, "SANDBOX_API_BASE": args.sandbox_url,
                      "TOKEN_ENCRYPTION_KEY": args.token_key, "SCHEDULER_ENABLED": False,
                      "ENV": "development", "SECRET_KEY": "capture-worker",
                      "SANDBOX_MOUNT": False})
    for _ in range(args.passes):
        with app.app_context(), transaction() as session:
            capture_comments(session, utcnow())
            session.execute(update(CaptureCursor).values(next_run_at=None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
