"""What connector health adds to the app: its blueprint and its periodic jobs.

``init_app`` is called once by the factory (one explicit line there); nothing registers itself
on import.
"""

from __future__ import annotations

from flask import Flask

from advisor_hub.connectors.jobs import JOBS
from advisor_hub.connectors.views import bp
from advisor_hub.jobs import register_job


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    for job in JOBS:
        register_job(job.name, job.func, job.every_seconds)
