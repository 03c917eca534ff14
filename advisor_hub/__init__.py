"""Advisor Hub: compliance-safe social selling for bank advisors.

The factory reads as a table of contents: configure, extensions, blueprints, error pages,
commands. Nothing here touches the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    from advisor_hub import config

    app = Flask(
        __name__,
        instance_relative_config=True,
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    config.configure(app, test_config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_background(app)
    return app


def register_extensions(app: Flask) -> None:
    from advisor_hub import db, i18n, security
    from advisor_hub.extensions import bootstrap, csrf, login_manager

    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    bootstrap.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    from advisor_hub.accounts import login  # noqa: F401  (registers the user loader)


def register_blueprints(app: Flask) -> None:
    from advisor_hub.accounts.views import bp as accounts_bp
    from advisor_hub.archive.views import bp as archive_bp
    from advisor_hub.audit.views import bp as audit_bp
    from advisor_hub.core_views import bp as core_bp
    from advisor_hub.dashboard.views import bp as dashboard_bp
    from advisor_hub.notifications.views import bp as notifications_bp
    from advisor_hub.publishing.views import bp as publishing_bp
    from approvals.views import bp as approvals_bp
    from content_library.views import bp as library_bp

    for blueprint in (core_bp, accounts_bp, audit_bp, notifications_bp, library_bp,
                      approvals_bp, publishing_bp, archive_bp, dashboard_bp):
        app.register_blueprint(blueprint)
    from advisor_hub import sso  # single sign-on + SCIM: settings, blueprints (sso branch)
    sso.init_app(app)
    from advisor_hub import health  # /healthz and the scheduler health page (reliab branch)
    health.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from advisor_hub.core_views import register_error_pages

    register_error_pages(app)


def register_commands(app: Flask) -> None:
    from advisor_hub.cli import commands

    for command in commands:
        app.cli.add_command(command)


def register_background(app: Flask) -> None:
    """Jobs (the dispatch scheduler) start only when SCHEDULER_ENABLED is set; the Sandbox
    network is mounted under /sandbox unless SANDBOX_MOUNT is false."""
    from advisor_hub.publishing.scheduler import init_app

    init_app(app)
