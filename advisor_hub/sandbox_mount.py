"""The Sandbox network served by the app under /sandbox (a feature step of the factory)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from advisor_hub.sandbox import create_sandbox_app

MOUNT_PATH = "/sandbox"


def mount_sandbox(app: Flask, config: dict[str, Any] | None = None) -> None:
    # The portal's HSTS setting: the Sandbox's pages carry the portal's headers.
    sandbox = create_sandbox_app({"HSTS_MAX_AGE": app.config.get("HSTS_MAX_AGE"), **(config or {})})
    app.extensions["sandbox_app"] = sandbox
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {MOUNT_PATH: sandbox})  # type: ignore[method-assign]


def init_app(app: Flask) -> None:
    """Mount the Sandbox unless SANDBOX_MOUNT is false."""
    if app.config.get("SANDBOX_MOUNT"):
        mount_sandbox(app)
