"""`flask --app advisor_hub archive-verify | archive-purge | archive-export` (declared in
``advisor_hub.features``)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from advisor_hub.archive import export as exports
from advisor_hub.archive import integrity, services
from advisor_hub.audit import services as audit
from advisor_hub.db import transaction
from advisor_hub.errors import DomainError


@click.command("archive-verify")
@with_appcontext
def verify_command() -> None:
    """Walk the hash chain; report the first broken link (exit code 1)."""
    with transaction() as session:
        result = integrity.verify_chain(session)
    if result.ok:
        click.echo(f"OK: {result.checked} records verified"
                   + (f" (ids {result.first_id}..{result.last_id})" if result.checked else "")
                   + f", {result.checkpoints} purge checkpoint(s); head hash {result.head_hash}")
        return
    click.echo(f"BROKEN: {result.broken}", err=True)
    click.echo(f"{result.checked} records verified before the break.", err=True)
    raise SystemExit(1)


@click.command("archive-purge")
@click.option("--dry-run", is_flag=True, help="Say what would be purged; change nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Remove records past ARCHIVE_RETENTION_YEARS that no legal hold covers."""
    years = int(current_app.config["ARCHIVE_RETENTION_YEARS"])
    try:
        with transaction() as session:
            result = integrity.purge_expired(session, retention_years=years, dry_run=dry_run)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    verb = "Would purge" if dry_run else "Purged"
    click.echo(f"{verb} {result.purged} record(s) older than {years} years; stopped: "
               f"{result.reason}" + (f" at record {result.stopped_at}" if result.stopped_at
                                     else "") + ".")
    if result.checkpoint is not None:
        click.echo(f"Checkpoint {result.checkpoint.id}: ids {result.checkpoint.first_id}.."
                   f"{result.checkpoint.last_id}, last hash {result.checkpoint.last_hash}")


@click.command("archive-export")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First day (UTC), YYYY-MM-DD.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last day (UTC), inclusive.")
@click.option("--format", "fmt", type=click.Choice(sorted(exports.FORMATS)), default="jsonl")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The export file; its manifest is written next to it (.manifest.json).")
@with_appcontext
def export_command(date_from: object, date_to: object, fmt: str, output: Path) -> None:
    """Export the archive (or a date range of it) with a manifest: count and SHA-256."""
    filters = services.ArchiveFilter(
        date_from=date_from.date() if date_from else None,  # type: ignore[attr-defined]
        date_to=date_to.date() if date_to else None,  # type: ignore[attr-defined]
    )
    with transaction() as session:
        stream = exports.export_records(session, actor=None, filters=filters, fmt=fmt)
        with output.open("wb") as handle:
            for chunk in stream:
                handle.write(chunk)
        manifest = {**stream.manifest(), "file": output.name}
        audit.record(session, None, "archive.exported", ("archive_export",
                                                          stream.filters.upto_id or 0),
                     after={"format": fmt, "filters": stream.filters.as_args(),
                            "file": output.name})
    manifest_path = output.with_name(output.name + ".manifest.json")
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    click.echo(f"{manifest['record_count']} records → {output} (sha256 {manifest['sha256']}); "
               f"manifest {manifest_path}")


commands = [verify_command, purge_command, export_command]
