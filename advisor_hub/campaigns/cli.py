"""``flask --app advisor_hub campaigns-digest``: send every due weekly digest now, batch by
batch, each batch its own transaction (declared in ``advisor_hub.features``)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from advisor_hub.campaigns.digest import send_digests
from advisor_hub.db import transaction, utcnow


@click.command("campaigns-digest")
@with_appcontext
def digest_command() -> None:
    """Send the weekly digests that are due (each at most once per advisor and week)."""
    total = 0
    while True:
        with transaction() as session:
            sent = send_digests(session, utcnow(), config=current_app.config)
        total += sent
        if not sent:
            break
    click.echo(f"{total} digest(s) sent.")


commands = [digest_command]
