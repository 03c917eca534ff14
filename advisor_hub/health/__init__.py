"""Is the portal working? ``/healthz`` for load balancers and monitoring, and the scheduler
health page for compliance and administrators (``/operations/scheduler``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from advisor_hub.health.views import bp

    app.register_blueprint(bp)
