"""The shared token bucket: a limit of L per window never lets more than L through in any
window, a row over it is told when its slot comes, and several scheduler processes sharing
the database spread their posts instead of drawing a 429."""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from advisor_hub.connectors import limits, rules
from advisor_hub.connectors.rules import Limit, Scope
from advisor_hub.db import make_engine
from tests.connectors.conftest import NOW


def _config(**limits_by_network) -> dict:
    return {"CONNECTOR_LIMITS": limits_by_network}


@pytest.mark.both_backends
def test_a_full_bucket_says_when_the_next_slot_comes(db_session) -> None:
    config = _config(linkedin=[Limit(Scope.ACCOUNT, 4, 3600)])  # bursts of 2, 1 per 30 min
    assert limits.reserve_slot(db_session, 7, "linkedin", NOW, config=config) is None
    assert limits.reserve_slot(db_session, 7, "linkedin", NOW, config=config) is None
    slot = limits.reserve_slot(db_session, 7, "linkedin", NOW, config=config)
    assert slot == NOW + timedelta(minutes=30)
    assert limits.next_slot(db_session, 7, "linkedin", NOW, config=config) == slot
    assert limits.reserve_slot(db_session, 8, "linkedin", NOW, config=config) is None  # its own
    assert limits.reserve_slot(db_session, 7, "linkedin", slot, config=config) is None
    assert limits.reserve_slot(db_session, 7, "linkedin", slot, config=config) is not None


@pytest.mark.both_backends
def test_all_buckets_or_none(db_session) -> None:
    config = _config(x=[Limit(Scope.ACCOUNT, 10, 3600), Limit(Scope.APP, 2, 3600)])
    assert limits.reserve_slot(db_session, 1, "x", NOW, config=config) is None
    assert limits.reserve_slot(db_session, 2, "x", NOW, config=config) is not None  # app empty
    # Account 2's own bucket was not charged for the refused post.
    row = db_session.get(limits.RateBucket, "x:account:2:10/3600")
    assert row.tokens == 5.0


def test_no_limit_for_the_sandbox_by_default(db_session) -> None:
    for _ in range(50):
        assert limits.reserve_slot(db_session, 1, "sandbox", NOW, config={}) is None


def test_any_window_holds_at_most_the_limit() -> None:
    """Simulated: a sender asking at every second for an hour never exceeds L per window."""
    limit = Limit(Scope.ACCOUNT, 10, 600)
    bucket = limits.Bucket.for_limit(limit, "x", 1)
    tokens, last, sent = bucket.capacity, 0.0, []
    for t in range(3600):
        tokens = min(bucket.capacity, tokens + (t - last) * bucket.refill_per_second)
        last = t
        if tokens >= 1:
            tokens -= 1
            sent.append(t)
    for i, start in enumerate(sent):
        in_window = [s for s in sent[i:] if s < start + limit.window]
        assert len(in_window) <= limit.limit
    assert len(sent) > 3600 / limit.window * limit.limit / 2 - limit.limit


def test_defaults_cite_their_source() -> None:
    for network in ("linkedin", "x", "facebook"):
        assert rules.DEFAULT_LIMITS[network]
        assert all(limit.source.startswith("https://") for limit in rules.DEFAULT_LIMITS[network])


class StrictNetwork:
    """Answers 429 to any post beyond ``limit`` in a rolling ``window`` (seconds)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.sent: deque[float] = deque()
        self.refused = 0
        self.accepted = 0
        self.lock = threading.Lock()

    def post(self) -> int:
        with self.lock:
            now = time.monotonic()
            while self.sent and self.sent[0] <= now - self.window:
                self.sent.popleft()
            if len(self.sent) >= self.limit:
                self.refused += 1
                return 429
            self.sent.append(now)
            self.accepted += 1
            return 201


@pytest.mark.both_backends
def test_three_schedulers_share_the_bucket_and_draw_no_429(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    network = StrictNetwork(limit=12, window=1.0)
    # 12 per second for the app: bursts of 6, then 6 per second.
    config = _config(x=[Limit(Scope.APP, 12, 1)])
    per_scheduler, errors, waits = 10, [], []

    def scheduler(worker: int) -> None:
        try:
            done = 0
            while done < per_scheduler:
                with Session(engine) as session, session.begin():
                    slot = limits.reserve_slot(session, worker, "x", datetime.now(UTC),
                                               config=config)
                if slot is not None:  # over the limit: wait for the slot, no call made
                    waits.append(worker)
                    time.sleep(max(0.0, (slot - datetime.now(UTC)).total_seconds()))
                    continue
                assert network.post() == 201
                done += 1
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=scheduler, args=(n,)) for n in range(3)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    elapsed = time.monotonic() - started
    engine.dispose()
    assert not errors, errors
    assert network.accepted == 3 * per_scheduler and network.refused == 0
    assert waits, "the posts were not spread: no scheduler ever waited for a slot"
    assert elapsed >= (3 * per_scheduler - 6) / 6 * 0.8  # the pace of the refill
