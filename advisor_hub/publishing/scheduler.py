"""Scheduler wiring: the dispatch round and every job of the app's job table
(``app.extensions["jobs"]``, collected from the features by the factory), each in an app
context. Started by the factory's last feature step when SCHEDULER_ENABLED.

APScheduler only gives the process its lifecycle (start, shutdown, the blocking loop of
``flask scheduler``): no interval trigger is used, since APScheduler 3 computes the next run
from the wall clock and a clock that jumps back stops every interval job for the length of
the jump. Dispatch and each job run in monotonic loops (``ticker``) started and stopped with
the scheduler.
"""

from __future__ import annotations

import atexit
import logging
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from advisor_hub.db import database, transaction, utcnow
from advisor_hub.jobs import PeriodicJob, jobs_of
from advisor_hub.publishing.dispatch import Dispatcher
from advisor_hub.publishing.ticker import attach_dispatch_loop, attach_job_loops, dispatch_round

log = logging.getLogger(__name__)



def dispatcher_for(app: Flask) -> Dispatcher:
    if "publishing_dispatcher" not in app.extensions:
        app.extensions["publishing_dispatcher"] = Dispatcher(database(app).sessionmaker,
                                                             app.config)
    return app.extensions["publishing_dispatcher"]


def dispatch_tick(app: Flask) -> None:
    """One dispatch round and its heartbeat (``ticker.dispatch_round``); never raises."""
    dispatch_round(app, lambda: dispatcher_for(app).run_once())


def run_job(app: Flask, job: PeriodicJob) -> None:
    """One run of a job in its own transaction (committed, or rolled back and logged)."""
    with app.app_context():
        try:
            with transaction() as session:
                job.func(session, utcnow())
        except Exception:
            log.exception("job %s failed", job.name)


def run_all_once(app: Flask) -> None:
    """One dispatch round, then each job once (``flask scheduler --once``)."""
    dispatch_tick(app)
    for job in jobs_of(app):
        run_job(app, job)


def add_jobs(app: Flask, scheduler: BaseScheduler) -> BaseScheduler:
    """Attach dispatch and every job to ``scheduler``: monotonic loops (ticker.py), not
    interval jobs (those stall when the wall clock jumps back), started and stopped with it."""
    attach_dispatch_loop(app, scheduler, lambda: dispatch_tick(app))
    attach_job_loops(app, scheduler, lambda job: run_job(app, job))
    return scheduler


def start_scheduler(app: Flask) -> BackgroundScheduler:
    scheduler = add_jobs(app, BackgroundScheduler(timezone=UTC))
    scheduler.start()
    app.extensions["publishing_scheduler"] = scheduler

    def stop() -> None:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        dispatcher_for(app).close()

    atexit.register(stop)
    return scheduler


def init_app(app: Flask) -> None:
    """The factory's last step: start the scheduler in this process if SCHEDULER_ENABLED."""
    if app.config.get("SCHEDULER_ENABLED"):
        start_scheduler(app)
