"""`flask --app advisor_hub scheduler [--once]` (declared in ``advisor_hub.features``)."""

from __future__ import annotations

import contextlib

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import with_appcontext

from advisor_hub.publishing.scheduler import add_jobs, run_all_once


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run one dispatch round and the jobs, then stop.")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Run the publishing scheduler (dispatch + periodic jobs) in the foreground."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        run_all_once(app)
        return
    click.echo("Publishing scheduler running (Ctrl+C to stop).")
    scheduler = add_jobs(app, BlockingScheduler(timezone="UTC"))
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


commands = [scheduler_command]
