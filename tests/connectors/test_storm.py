"""The 5xx storm detector is shared by every scheduler process (it was a counter in each
process's memory: N processes each seeing fewer than the threshold never held the network)."""

from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.connectors.gate import Faults, count_server_error, end_server_errors
from advisor_hub.connectors.models import HoldCause, NetworkHold
from advisor_hub.db import make_engine
from advisor_hub.networks import NetworkError
from tests.connectors.conftest import NOW


@pytest.mark.both_backends
def test_the_streak_needs_the_threshold_from_more_than_one_account(db_session) -> None:
    count = lambda account: count_server_error(db_session, "linkedin", account, 3)  # noqa: E731
    assert [count(1) for _ in range(5)] == [False] * 5  # one account's trouble only
    assert count(2) is True  # six in a row, from two accounts: the storm (the streak ends)
    assert [count(1), count(2)] == [False, False]
    end_server_errors(db_session, ["linkedin"])  # a success ends the streak
    assert [count(1), count(2), count(2)] == [False, False, True]
    assert count_server_error(db_session, "x", 7, 1) is True  # a threshold of 1: any 5xx


@pytest.mark.postgres_only
def test_two_scheduler_processes_share_one_streak(fresh_database_url: str) -> None:
    """Two engines (two processes' connection pools): threshold 4, each process sees two
    5xx of its own account; per process that is no storm, shared it is exactly one hold."""
    processes = [(make_engine(fresh_database_url), Faults({"CONNECTOR_STORM_THRESHOLD": 4}))
                 for _ in range(2)]
    engines = [engine for engine, _ in processes]
    error = NetworkError("Service Unavailable", status=503)
    holds = []
    try:
        for (engine, faults), account in [(processes[0], 1), (processes[1], 2)] * 2:
            with Session(engine) as session, session.begin():
                holds.append(faults.server_error(session, "linkedin", account, error, NOW))
        with Session(engines[0]) as session:
            stored = session.scalars(select(NetworkHold)).all()
            assert [(h.network, h.cause) for h in stored] == [
                ("linkedin", HoldCause.SERVER_ERRORS)]
        assert [h is not None for h in holds] == [False, False, False, True]
    finally:
        for engine in engines:
            engine.dispose()


@pytest.mark.postgres_only
def test_concurrent_errors_are_each_counted_once(fresh_database_url: str) -> None:
    """Two engines × five threads report 40 server errors at once (each from its own
    account): no increment is lost and none counted twice, so threshold 5 fires exactly 8
    times."""
    engines = [make_engine(fresh_database_url, pool_size=5) for _ in range(2)]
    accounts = itertools.count(1)
    lock = threading.Lock()
    start = threading.Barrier(10, timeout=30)
    storms: list[bool] = []

    def report(engine) -> None:
        start.wait()
        for _ in range(4):
            with lock:
                account = next(accounts)
            with Session(engine) as session, session.begin():
                fired = count_server_error(session, "x", account, 5)
            with lock:
                storms.append(fired)

    threads = [threading.Thread(target=report, args=(engines[i % 2],)) for i in range(10)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(storms) == 40 and storms.count(True) == 8
    finally:
        for engine in engines:
            engine.dispose()
