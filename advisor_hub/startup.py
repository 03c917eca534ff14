"""Start-up checks for the long-running processes: one line per problem, exit code 1.

The factory never queries the database (tests, ``db-upgrade`` and every other command build
the app without one). The serving processes check before they serve:

- ``flask run``: the factory calls :func:`init_app`, which runs :func:`check_startup` only
  when the app is being loaded by Flask's ``run`` command;
- ``flask scheduler`` calls :func:`check_startup` first;
- gunicorn: ``gunicorn.conf.py`` (read from the checkout's root) runs
  :func:`gunicorn_on_starting` in the master before any worker starts;
- ``flask check`` runs the same checks on demand (a deploy script, a readiness probe).

Configuration errors (missing production keys, a bad ``DATABASE_URL``) are refused earlier,
by :mod:`advisor_hub.config`, for every command. Each problem is a
:class:`~advisor_hub.errors.StartupError`: click prints ``Error: <message>`` on one line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from advisor_hub.config import ensure_writable_folder
from advisor_hub.errors import StartupError


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return " ".join(text.splitlines()[0].split()) if text else type(error).__name__


def check_folders(app: Flask) -> None:
    """The SQLite database's folder and the upload folder exist (created if missing) and
    are writable."""
    from sqlalchemy.engine import make_url

    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        ensure_writable_folder(Path(url.database).resolve().parent,
                               "the SQLite database folder",
                               "or point DATABASE_URL (or ADVISOR_HUB_INSTANCE_PATH) elsewhere")
    ensure_writable_folder(Path(app.config["UPLOAD_FOLDER"]), "the upload folder",
                           "or set ADVISOR_HUB_UPLOAD_FOLDER")


def pending_migrations(connection: Connection) -> str | None:
    """None when the database is at every migration head, else what is wrong."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from advisor_hub import migrate

    script = ScriptDirectory.from_config(migrate.alembic_config())
    heads = set(script.get_heads())
    current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return None
    if not current:
        return "the database has no tables yet"
    unknown = sorted(rev for rev in current if not _known(script, rev))
    if unknown:
        return f"the database is at revision {', '.join(unknown)}, which this code does not know"
    count = len(_with_ancestors(script, heads) - _with_ancestors(script, current))
    return f"{count} migration{'s' if count != 1 else ''} not applied"


def _known(script: Any, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic's ResolutionError for an unknown id
        return False


def _with_ancestors(script: Any, revisions: set[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(revisions)
    while stack:
        revision = stack.pop()
        if revision in seen:
            continue
        seen.add(revision)
        down = script.get_revision(revision).down_revision
        stack.extend(down if isinstance(down, tuple) else [down] if down else [])
    return seen


def check_startup(app: Flask) -> None:
    """Folders writable, database reachable, every migration applied; else StartupError."""
    from advisor_hub.db import database

    check_folders(app)
    engine = database(app).engine
    shown = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            problem = pending_migrations(connection)
    except DBAPIError as error:
        raise StartupError(f"Cannot reach the database at {shown} ({_first_line(error)}): "
                           "start it, or fix DATABASE_URL.") from None
    if problem:
        raise StartupError(f"The database at {shown} is not ready ({problem}): run "
                           "`flask --app advisor_hub db-upgrade`.")


def _loaded_by_flask_run() -> bool:
    from flask.cli import run_command

    context = click.get_current_context(silent=True)
    return context is not None and context.command is run_command


def init_app(app: Flask) -> None:
    app.cli.add_command(check_command)
    if not _loaded_by_flask_run():
        return
    from werkzeug.serving import is_running_from_reloader

    try:
        check_startup(app)
    except StartupError as error:
        if not is_running_from_reloader():
            raise  # click prints "Error: ..." on one line and exits 1
        # The reloader's child would print a traceback: say it in one line; the reloader
        # exits with the child's code.
        click.echo(f"Error: {error.format_message()}", err=True)
        raise SystemExit(1) from None


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Check that the portal can start: folders, database, migrations (exit 1 if not)."""
    check_startup(current_app)
    click.echo("Ready: folders writable, database reachable, every migration applied.")


def gunicorn_on_starting(server: Any) -> None:
    """gunicorn's ``on_starting`` hook: check in the master, before any worker is forked;
    also keeps OAuth codes out of gunicorn's access log."""
    from advisor_hub import create_app
    from advisor_hub.db import database
    from advisor_hub.hardening import install_log_filter

    install_log_filter("gunicorn.access")
    try:
        app = create_app({"SCHEDULER_ENABLED": False})
        try:
            check_startup(app)
        finally:
            database(app).engine.dispose()  # no connection is inherited by the workers
    except StartupError as error:
        print(f"Error: {error.format_message()}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
