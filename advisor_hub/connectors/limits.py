"""Posting limits as token buckets in the database, shared by every scheduler process.

A limit of ``L`` posts per window ``W`` becomes a bucket of capacity ``ceil(L/2)`` refilled at
``(L - capacity) / W`` per second: in *any* window of length ``W`` at most
``capacity + refill * W = L`` posts go out, whether the network counts in fixed windows (LinkedIn
resets at midnight UTC) or rolling ones, and whatever the clock skew between processes. The
price is a long-run pace of half the limit, with bursts of the other half: conservative, as a
limit we cannot see must be.

Taking a token is one ``UPDATE ... WHERE tokens (after refill) >= 1 RETURNING``: atomic on
PostgreSQL (the row lock; a waiting writer re-evaluates the condition on the new row) and on
SQLite (one writer at a time). A post drawing on several buckets (its account's and its app's)
takes them in key order inside a savepoint, all or none.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from advisor_hub.connectors import rules
from advisor_hub.connectors.models import RateBucket
from advisor_hub.connectors.rules import Limit, Scope


@dataclass(frozen=True)
class Bucket:
    key: str
    capacity: float
    refill_per_second: float

    @classmethod
    def for_limit(cls, limit: Limit, network: str, account_id: int, *,
                  use: str = "") -> Bucket:
        """``use``: "" for posting, "read" for reading comments (buckets of their own)."""
        owner = f"account:{account_id}" if limit.scope == Scope.ACCOUNT else "app"
        capacity = float(math.ceil(limit.limit / 2))
        refill = (limit.limit - capacity) / limit.window
        if refill <= 0:  # a limit of 1: one post, then one per window
            capacity, refill = 1.0, 1.0 / limit.window
        prefix = f"{network}:{use}:" if use else f"{network}:"
        return cls(f"{prefix}{owner}:{limit.limit}/{limit.window}", capacity, refill)


def buckets_for(config: Mapping[str, Any], network: str, account_id: int) -> list[Bucket]:
    return sorted((Bucket.for_limit(limit, network, account_id)
                   for limit in rules.limits_for(config, network)), key=lambda b: b.key)


def _ensure(session: Session, bucket: Bucket, now_ts: float) -> None:
    values = {"key": bucket.key, "capacity": bucket.capacity,
              "refill_per_second": bucket.refill_per_second, "tokens": bucket.capacity,
              "updated_ts": now_ts}
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(RateBucket).values(**values).on_conflict_do_nothing(
        index_elements=["key"]))


def _refilled(bucket: Bucket, now_ts: float) -> Any:
    """SQL: the bucket's tokens at ``now_ts`` (never above capacity, never a negative refill
    when another process's clock ran ahead)."""
    elapsed = case((RateBucket.updated_ts < now_ts, literal(now_ts) - RateBucket.updated_ts),
                   else_=literal(0.0))
    grown = RateBucket.tokens + elapsed * bucket.refill_per_second
    return case((grown > bucket.capacity, literal(bucket.capacity)), else_=grown)


def _take(session: Session, bucket: Bucket, now_ts: float) -> bool:
    refilled = _refilled(bucket, now_ts)
    taken = session.execute(
        update(RateBucket).where(RateBucket.key == bucket.key, refilled >= 1.0)
        .values(tokens=refilled - 1.0, capacity=bucket.capacity,
                refill_per_second=bucket.refill_per_second,
                updated_ts=case((RateBucket.updated_ts < now_ts, literal(now_ts)),
                                else_=RateBucket.updated_ts))
        .returning(RateBucket.tokens)
        .execution_options(synchronize_session=False)).first()
    return taken is not None


def _wait_seconds(session: Session, bucket: Bucket, now_ts: float) -> float:
    tokens, updated_ts = session.execute(
        select(RateBucket.tokens, RateBucket.updated_ts).where(RateBucket.key == bucket.key)
    ).one()
    elapsed = max(0.0, now_ts - updated_ts)
    have = min(bucket.capacity, tokens + elapsed * bucket.refill_per_second)
    return max(0.0, (1.0 - have) / bucket.refill_per_second)


def reserve_slot(session: Session, account_id: int, network: str, now: datetime, *,
                 config: Mapping[str, Any] | None = None) -> datetime | None:
    """Take one post's slot from every bucket of this account and network.

    None: the slot is taken, send now. A datetime: a bucket is empty (nothing was taken); the
    row should wait until then, when the emptiest bucket has a token again (another process
    may take it first: ask again then)."""
    if config is None:
        from flask import current_app

        config = current_app.config
    return take_slot(session, buckets_for(config, network, account_id), now)


def reserve_read(session: Session, account_id: int, network: str, now: datetime, *,
                 config: Mapping[str, Any]) -> datetime | None:
    """``reserve_slot`` for one read of comments (the read buckets, never the posting ones)."""
    buckets = sorted((Bucket.for_limit(limit, network, account_id, use="read")
                      for limit in rules.read_limits_for(config, network)),
                     key=lambda b: b.key)
    return take_slot(session, buckets, now)


def take_slot(session: Session, buckets: list[Bucket], now: datetime) -> datetime | None:
    """One token from every bucket, all or none: None when taken, else when to ask again."""
    if not buckets:
        return None
    now_ts = now.astimezone(UTC).timestamp()
    for bucket in buckets:
        _ensure(session, bucket, now_ts)
    savepoint = session.begin_nested()
    for bucket in buckets:
        if not _take(session, bucket, now_ts):
            savepoint.rollback()
            wait = max(_wait_seconds(session, b, now_ts) for b in buckets)
            return now + timedelta(seconds=max(wait, 1.0))
    savepoint.commit()
    return None


@dataclass(frozen=True)
class QuotaWait:
    """A full quota: the account's next post could go out ``at`` (UTC), held by ``limit``."""

    at: datetime
    limit: Limit


def quota_wait(session: Session, account_id: int, network: str, now: datetime, *,
               config: Mapping[str, Any]) -> QuotaWait | None:
    """When this account could post next and which limit holds it, without taking anything
    (the composer's "will go out at about"): None when it could post now."""
    now_ts = now.astimezone(UTC).timestamp()
    wait, holding = 0.0, None
    for limit in rules.limits_for(config, network):
        bucket = Bucket.for_limit(limit, network, account_id)
        row = session.get(RateBucket, bucket.key)
        if row is None:
            continue
        have = min(bucket.capacity,
                   row.tokens + max(0.0, now_ts - row.updated_ts) * bucket.refill_per_second)
        if have < 1.0 and (1.0 - have) / bucket.refill_per_second > wait:
            wait, holding = (1.0 - have) / bucket.refill_per_second, limit
    if holding is None:
        return None
    return QuotaWait(now + timedelta(seconds=wait), holding)


def next_slot(session: Session, account_id: int, network: str, now: datetime, *,
              config: Mapping[str, Any]) -> datetime | None:
    """When this account could post next, without taking anything: None when it could post
    now."""
    wait = quota_wait(session, account_id, network, now, config=config)
    return wait.at if wait is not None else None
