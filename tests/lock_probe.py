"""Prove no database lock is held: write from another connection, waiting two seconds at most."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from advisor_hub.db import make_engine

LOCK_WAIT_MS = 2000


def write_elsewhere(database_url: str, statement: Any) -> int:
    """Run ``statement`` in a transaction of its own on a new connection and commit it; a
    lock held by someone else makes it fail within two seconds instead of waiting."""
    engine = make_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
                connection.commit()
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.execute(sa.text(f"SET LOCAL lock_timeout = '{LOCK_WAIT_MS}ms'"))
                return connection.execute(statement).rowcount
    finally:
        engine.dispose()
