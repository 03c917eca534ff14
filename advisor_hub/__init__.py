"""Advisor Hub: compliance-safe social selling for bank advisors.

The factory reads as a table of contents: configure, extensions, error pages, then every
feature of ``advisor_hub.features.FEATURES`` (blueprints, commands, jobs, review kinds, the
Sandbox mount, the scheduler), installed by ``advisor_hub.wiring``. Nothing here touches the
database, and nothing is registered by a module being imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from advisor_hub.wiring import Feature

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None,
               features: Iterable[Feature] | None = None) -> Flask:
    """The app; ``features`` replaces ``advisor_hub.features.FEATURES`` (tests)."""
    from advisor_hub import config, hardening, startup

    app = Flask(
        __name__,
        instance_relative_config=True,
        static_folder=str(ROOT / "static"),
        instance_path=config.instance_path(),
    )
    config.configure(app, test_config)
    hardening.init_app(app)  # before the blueprints: bounded <int:> routes, request checks
    register_extensions(app)
    register_errorhandlers(app)
    startup.init_app(app)  # `flask check`; under `flask run`, the start-up checks
    register_features(app, features)
    return app


def register_extensions(app: Flask) -> None:
    from advisor_hub import db, i18n, security
    from advisor_hub.accounts import login
    from advisor_hub.extensions import bootstrap, csrf

    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    bootstrap.init_app(app)
    csrf.init_app(app)
    login.init_app(app)  # Flask-Login and its user loader


def register_errorhandlers(app: Flask) -> None:
    from advisor_hub.core_views import register_error_pages

    register_error_pages(app)


def register_features(app: Flask, features: Iterable[Feature] | None = None) -> None:
    from advisor_hub.features import FEATURES
    from advisor_hub.wiring import install

    install(app, list(FEATURES if features is None else features))
