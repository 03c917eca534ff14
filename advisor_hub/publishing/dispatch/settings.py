"""The dispatcher's settings (from the app's configuration) and its retry timing."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_BACKOFF_SECONDS = 3600.0
LEASE_MARGIN_SECONDS = 1.0


@dataclass(frozen=True)
class DispatchSettings:
    workers: int = 8
    batch_size: int = 100
    round_batches: int = 10  # batches one round may chain while its sends are out
    lease_seconds: int = 120
    max_attempts: int = 6
    backoff_seconds: float = 30.0
    reconcile_delay_seconds: float = 30.0
    # "Absent" from a lookup is believed this many read timeouts after the attempt
    # (``reconcile``): a backlogged network may still publish what it has not shown yet.
    absent_hold_read_timeouts: float = 3.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DispatchSettings:
        return cls(
            workers=int(config.get("DISPATCH_WORKERS", 8)),
            batch_size=int(config.get("DISPATCH_BATCH_SIZE", 100)),
            round_batches=int(config.get("DISPATCH_ROUND_BATCHES", 10)),
            lease_seconds=int(config.get("DISPATCH_LEASE_SECONDS", 120)),
            max_attempts=int(config.get("DISPATCH_MAX_ATTEMPTS", 6)),
            backoff_seconds=float(config.get("DISPATCH_BACKOFF_SECONDS", 30.0)),
            reconcile_delay_seconds=float(config.get("DISPATCH_RECONCILE_DELAY_SECONDS", 30.0)),
            absent_hold_read_timeouts=float(
                config.get("DISPATCH_ABSENT_HOLD_READ_TIMEOUTS", 3.0)),
        )


def backoff_delay(attempts: int, base: float, retry_after: float | None = None,
                  rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter (half to full), never sooner than Retry-After."""
    exponential = min(MAX_BACKOFF_SECONDS, base * (2 ** max(0, attempts - 1)))
    uniform = rng.uniform if rng is not None else random.uniform
    delay = exponential * uniform(0.5, 1.0)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
