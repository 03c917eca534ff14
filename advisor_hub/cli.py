"""Command-line interface: `flask --app advisor_hub <command>`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from advisor_hub import demo, migrate
from advisor_hub.accounts import services as accounts
from advisor_hub.db import transaction
from advisor_hub.errors import DomainError
from advisor_hub.i18n import LANGUAGES


@click.command("db-upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Upgrade the database to the latest migration."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database is at the latest migration.")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--role", "roles", multiple=True, required=True, help="Repeat for several roles.")
@click.option("--branch", default=None, help="Branch name (created if it does not exist).")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@click.option("--language", default="en", type=click.Choice(LANGUAGES))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_user(email: str, roles: tuple[str, ...], branch: str | None, first_name: str,
                last_name: str, language: str, password: str) -> None:
    """Create a user with one or more roles."""
    try:
        with transaction() as session:
            branch_id = None
            if branch:
                found = accounts.find_branch_by_name(session, branch) or accounts.create_branch(
                    session, actor=None, name=branch)
                branch_id = found.id
            user = accounts.create_user(
                session, actor=None, email=email, first_name=first_name or email.split("@")[0],
                last_name=last_name, password=password, roles=roles, branch_id=branch_id,
                language=language,
            )
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {user.email} with roles {', '.join(str(r) for r in user.roles)}.")


def _print_logins(users: list[demo.DemoUser]) -> None:
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for user in users:
        click.echo(f"  {', '.join(user.roles):32} {user.email}")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed a database that has no users yet.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Create the demo bank (two branches, advisors, curator, reviewers, admin)."""
    with transaction() as session:
        if if_empty and not demo.database_is_empty(session):
            click.echo("The database already has users; demo data not added.")
            _print_logins(list(demo.USERS))
            return
        users = demo.seed_demo(session)
    _print_logins(users)


commands = [db_upgrade, create_user, seed_demo]
