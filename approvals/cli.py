"""`flask --app advisor_hub reviews-expire` (declared in ``advisor_hub.features``)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from advisor_hub.db import transaction
from advisor_hub.errors import ValidationError
from approvals import services


@click.command("reviews-expire")
@with_appcontext
def reviews_expire() -> None:
    """Expire reviews pending too long and approvals not used in time."""
    try:
        with transaction() as session:
            count = services.expire_reviews(session)
    except ValidationError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{count} review(s) expired.")


commands = [reviews_expire]
