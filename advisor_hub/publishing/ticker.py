"""The loops of a scheduler process, timed by the monotonic clock: the dispatch loop (a round
every ``SCHEDULER_INTERVAL_SECONDS``, each followed by a heartbeat row) and one loop per
periodic job of the app's job table (``attach_job_loops``).

Not an APScheduler interval job: APScheduler 3 computes its next run time from the wall
clock, so a host clock that jumps back an hour stops dispatch for an hour (#12.2), and every
interval job with it. The loops here wait on a monotonic deadline and cannot stall whatever
the wall clock does. They run
beside the APScheduler of the process (started and stopped with it, ``attach_dispatch_loop``)
and survives anything a round raises, a database outage included (#12.9): the next round
tries again, the heartbeat says what went wrong.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN, EVENT_SCHEDULER_START
from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from advisor_hub.db import transaction
from advisor_hub.jobs import PeriodicJob, jobs_of
from advisor_hub.publishing.health import describe
from advisor_hub.publishing.heartbeat import Beat, process_name, write_heartbeat

log = logging.getLogger(__name__)

LOOP_EXTENSION = "publishing_dispatch_loop"
JOB_LOOPS_EXTENSION = "periodic_job_loops"  # job name -> its MonotonicTicker
PROCESS_EXTENSION = "publishing_process"


class MonotonicTicker:
    """Calls ``tick`` every ``interval`` seconds on a daemon thread, timed by
    ``time.monotonic`` (``Event.wait`` waits on the monotonic clock too). A tick that
    raises is logged; the next one comes all the same. A tick longer than the interval
    delays the next one (no burst to catch up)."""

    def __init__(self, tick: Callable[[], Any], interval: float,
                 name: str = "dispatch-loop") -> None:
        self.tick = tick
        self.interval = max(0.01, float(interval))
        self.name = name
        self.ticks = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("%s: a round failed", self.name)
            self.ticks += 1
            next_at = max(next_at + self.interval, time.monotonic())
            self._stop.wait(max(0.0, next_at - time.monotonic()))


def process_of(app: Flask) -> str:
    """This process's heartbeat name (one per app in a process)."""
    return app.extensions.setdefault(PROCESS_EXTENSION, process_name())


def dispatch_round(app: Flask, run: Callable[[], Any]) -> None:
    """One round (``run`` returns the dispatcher's report), then the heartbeat saying how it
    ended. Neither may stop the loop: failures are logged."""
    with app.app_context():
        error: str | None = None
        claimed = 0
        try:
            report = run()
            claimed = report.claimed
            if claimed:
                log.info("dispatch: %s", report.outcomes)
        except Exception as exc:  # the next round tries again; rows keep their leases
            log.exception("dispatch round failed")
            error = describe(exc)
        try:
            with transaction() as session:
                write_heartbeat(session, process_of(app), Beat(claimed, error))
        except Exception as exc:
            log.error("scheduler heartbeat not written: %s", describe(exc))


def run_with(scheduler: BaseScheduler, loop: MonotonicTicker) -> MonotonicTicker:
    """Start ``loop`` with ``scheduler`` and stop it with it (its start and shutdown events)."""
    def on_event(event: Any) -> None:
        if event.code == EVENT_SCHEDULER_START:
            loop.start()
        elif event.code == EVENT_SCHEDULER_SHUTDOWN:
            loop.stop(timeout=0)

    scheduler.add_listener(on_event, EVENT_SCHEDULER_START | EVENT_SCHEDULER_SHUTDOWN)
    return loop


def attach_dispatch_loop(app: Flask, scheduler: BaseScheduler,
                         tick: Callable[[], Any]) -> MonotonicTicker:
    """Run ``tick`` in a monotonic loop while ``scheduler`` runs (from its start event to
    its shutdown event)."""
    loop = MonotonicTicker(tick, float(app.config["SCHEDULER_INTERVAL_SECONDS"]))
    app.extensions[LOOP_EXTENSION] = loop
    return run_with(scheduler, loop)


def attach_job_loops(app: Flask, scheduler: BaseScheduler,
                     run: Callable[[PeriodicJob], Any]) -> dict[str, MonotonicTicker]:
    """One monotonic loop per job of the app's job table, run while ``scheduler`` runs: the
    first run at start, then every ``every_seconds`` of the monotonic clock. A job's runs
    never overlap (one thread each; a run longer than its interval delays the next, as
    APScheduler's ``max_instances=1, coalesce=True`` did) and a slow job delays no other."""
    loops = {job.name: run_with(scheduler, MonotonicTicker(
        lambda job=job: run(job), float(job.every_seconds), name=f"job-{job.name}"))
        for job in jobs_of(app)}
    app.extensions[JOB_LOOPS_EXTENSION] = loops
    return loops
