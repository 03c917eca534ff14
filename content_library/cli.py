"""`flask --app advisor_hub library-import FILE [--skip-invalid] --as EMAIL` and
`library-export FILE` (declared in ``advisor_hub.features``)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from advisor_hub.accounts.models import User, UserRole
from advisor_hub.db import transaction
from advisor_hub.errors import DomainError
from advisor_hub.roles import Role
from content_library import importexport
from content_library.errors import ImportFailed
from content_library.orphans import library_images_orphans


def _curator(session, email: str | None) -> User:
    """The marketing user the import is recorded against (the first one if not given)."""
    query = select(User).join(UserRole).where(UserRole.role == Role.MARKETING,
                                              User.active.is_(True))
    if email:
        query = query.where(User.email == email.strip().lower())
    user = session.scalar(query.order_by(User.id).limit(1))
    if user is None:
        raise click.ClickException("No active marketing user found (see --as).")
    return user


@click.command("library-import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True,
              help="Import the good rows even when some rows are invalid.")
@click.option("--as", "email", default=None,
              help="E-mail of the marketing user doing the import (default: the first).")
@with_appcontext
def library_import(path: Path, skip_invalid: bool, email: str | None) -> None:
    """Import library items (CSV or JSON) as drafts; reports bad rows by line."""
    try:
        with transaction() as session:
            rows = importexport.parse_file(path.name, path.read_bytes())
            result = importexport.import_items(session, actor=_curator(session, email),
                                               rows=rows, skip_invalid=skip_invalid)
    except ImportFailed as failure:
        for line, message in failure.errors:
            click.echo(f"line {line}: {message}", err=True)
        raise click.ClickException(
            f"{len(failure.errors)} bad row(s); nothing was imported "
            "(use --skip-invalid to import the good rows).") from failure
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    for line, message in result.errors:
        click.echo(f"skipped line {line}: {message}", err=True)
    click.echo(f"Imported {result.imported} item(s) as drafts; skipped {len(result.errors)}.")


@click.command("library-export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as", "email", default=None, help="E-mail of a marketing user.")
@with_appcontext
def library_export(path: Path, email: str | None) -> None:
    """Export the library (latest version of every item) to FILE.csv or FILE.json."""
    fmt = "json" if path.suffix.lower() == ".json" else "csv"
    with transaction() as session:
        content = importexport.export_items(session, actor=_curator(session, email), fmt=fmt)
    path.write_text(content, encoding="utf-8")
    click.echo(f"Exported to {path}.")


commands = [library_import, library_export, library_images_orphans]
