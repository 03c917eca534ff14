"""APScheduler wiring: the dispatch job and every registered periodic job, each in an app
context; the Sandbox mounted under /sandbox. Started by the factory when SCHEDULER_ENABLED.
"""

from __future__ import annotations

import atexit
import logging
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from advisor_hub.db import database, transaction, utcnow
from advisor_hub.jobs import PeriodicJob, registered_jobs
from advisor_hub.publishing.dispatch import Dispatcher
from advisor_hub.publishing.ticker import attach_dispatch_loop, dispatch_round

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
    with app.app_context():
        try:
            with transaction() as session:
                job.func(session, utcnow())
        except Exception:
            log.exception("job %s failed", job.name)


def add_jobs(app: Flask, scheduler: BaseScheduler) -> BaseScheduler:
    start = datetime.now(UTC)
    # Dispatch is not an interval job (those stall when the wall clock jumps back): a
    # monotonic loop started and stopped with the scheduler (ticker.py).
    attach_dispatch_loop(app, scheduler, lambda: dispatch_tick(app))
    for job in registered_jobs():
        scheduler.add_job(run_job, "interval", args=[app, job], id=job.name,
                          seconds=job.every_seconds, max_instances=1, coalesce=True,
                          next_run_time=start)
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


def mount_sandbox(app: Flask, config: dict[str, Any] | None = None) -> None:
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from advisor_hub.sandbox import create_sandbox_app

    sandbox = create_sandbox_app(config)
    app.extensions["sandbox_app"] = sandbox
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/sandbox": sandbox})  # type: ignore[method-assign]


def init_app(app: Flask) -> None:
    import advisor_hub.publishing.jobs  # noqa: F401  (registers the periodic jobs)

    if app.config.get("SANDBOX_MOUNT"):
        mount_sandbox(app)
    if app.config.get("SCHEDULER_ENABLED"):
        start_scheduler(app)
