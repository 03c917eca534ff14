"""``/healthz`` (JSON, no login) and ``/operations/scheduler`` (compliance, admin).

``/healthz`` answers 200 only when the database answers, a scheduler process finished a
round within ``HEALTH_SCHEDULER_MAX_AGE_SECONDS`` and dispatch does not lag beyond
``HEALTH_DISPATCH_LAG_SECONDS``; otherwise 503, with what is wrong. Neither reads the user
or writes anything.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import text
from werkzeug.wrappers import Response

from advisor_hub.db import get_session
from advisor_hub.navigation import NavItem
from advisor_hub.publishing.health import (
    DispatchHealth,
    HealthSettings,
    Problem,
    as_json,
    dispatch_health,
)
from advisor_hub.roles import Role
from advisor_hub.security import roles_required

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__, template_folder="templates")

NAV = (
    NavItem("health.scheduler", _l("Scheduler health"),
            (Role.COMPLIANCE, Role.SENIOR_COMPLIANCE, Role.ADMIN),
            _l("Is publishing running: each scheduler's last round, the dispatch lag, "
               "posts that need a check."), 86),
)

PROBLEM_TEXT = {
    Problem.NO_SCHEDULER: _l("No scheduler finished a round in the last %(seconds)d seconds: "
                             "nothing is being published."),
    Problem.LAG: _l("A post has been due for longer than %(seconds)d seconds: dispatch is "
                    "behind."),
    Problem.FAILING: _l("A scheduler's last round failed: see its error below."),
    Problem.OUTBOX_UNREADABLE: _l("The outbox could not be read (a lock held, a timeout): "
                                  "%(error)s"),
}


def _read() -> tuple[DispatchHealth | None, str | None]:
    """The dispatch health, or why it could not be read. Ends its read-only transaction."""
    session = get_session()
    try:
        return dispatch_health(session, HealthSettings.from_config(current_app.config)), None
    except Exception as error:  # a lock, a timeout, the database gone: say so, fail closed
        log.warning("health: dispatch state unreadable: %s", error)
        original = getattr(error, "orig", None) or error
        return None, f"{type(original).__name__}: {str(original).strip().splitlines()[:1]}"
    finally:
        session.rollback()


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    session = get_session()
    try:
        session.execute(text("SELECT 1"))
        session.rollback()
    except Exception:  # any failure to reach the database is "error", never a 500 page
        session.rollback()
        return jsonify(status="error", database="error"), 503
    health, error = _read()
    if health is None:
        return jsonify(status="error", database="ok", dispatch="error"), 503
    body = {"status": "ok" if health.healthy else "error", "database": "ok", **as_json(health)}
    return jsonify(body), 200 if health.healthy else 503


@bp.get("/operations/scheduler")
@roles_required(Role.COMPLIANCE, Role.SENIOR_COMPLIANCE, Role.ADMIN)
def scheduler() -> tuple[str, int]:
    health, error = _read()
    return render_template("health/scheduler.html", health=health, error=error,
                           problem_text=PROBLEM_TEXT), 200
