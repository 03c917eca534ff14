"""Images in UPLOAD_FOLDER that no library version references, and the temporary files of
uploads that never finished: ``flask library-images-orphans [--delete]`` (#12.7).

An image is written before its version's transaction commits, so a rolled-back save leaves
it behind. Only files older than ``--older-than`` minutes (default 60) count: a younger one
may belong to a save still in progress.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.db import get_session
from content_library.images import TEMP_PREFIX
from content_library.models import LibraryItemVersion

STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|webp)$")


def find_orphans(session: Session, folder: Path, *, older_than_seconds: float,
                 now: float | None = None) -> list[Path]:
    """Our image files no version references, and stale temporary files, oldest first."""
    if not folder.is_dir():
        return []
    referenced = set(session.scalars(select(LibraryItemVersion.image_name)
                                     .where(LibraryItemVersion.image_name.is_not(None))))
    cutoff = (now if now is not None else time.time()) - older_than_seconds
    found = []
    for path in folder.iterdir():
        ours = STORED_NAME.match(path.name) or path.name.startswith(TEMP_PREFIX)
        if not ours or not path.is_file() or path.name in referenced:
            continue
        if path.stat().st_mtime <= cutoff:
            found.append(path)
    return sorted(found, key=lambda p: p.stat().st_mtime)


@click.command("library-images-orphans")
@click.option("--delete", is_flag=True, help="Remove them (default: only list them).")
@click.option("--older-than", "minutes", type=float, default=60.0, show_default=True,
              help="Only files untouched for this many minutes.")
@with_appcontext
def library_images_orphans(delete: bool, minutes: float) -> None:
    """List (or remove) uploaded images no library version references."""
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    orphans = find_orphans(get_session(), folder, older_than_seconds=minutes * 60)
    total = 0
    for path in orphans:
        size = path.stat().st_size
        total += size
        if delete:
            path.unlink(missing_ok=True)
        click.echo(f"{'removed' if delete else 'orphan'} {path.name} {size} bytes")
    click.echo(f"{len(orphans)} orphan file(s), {total} bytes"
               + (" removed." if delete else "; --delete removes them."))
