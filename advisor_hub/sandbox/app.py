"""The Sandbox WSGI app: OAuth 2 endpoints, a tiny post API, HTML pages and fault injection.

A Flask app of its own (its endpoints are the ``sandbox`` blueprint in ``views``), so that
it can be mounted under ``/sandbox`` in the portal or served alone.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from advisor_hub.hardening import set_hardening_headers
from advisor_hub.networks.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from advisor_hub.security import set_security_headers

from .comments import bp as comments_bp
from .protocol import get_state
from .state import Client, SandboxState
from .views import bp

__all__ = ["DEFAULTS", "create_sandbox_app", "get_state"]

DEFAULTS: dict[str, Any] = {
    "CLIENTS": {DEFAULT_CLIENT_ID: {"secret": DEFAULT_CLIENT_SECRET, "redirect_uris": None}},
    "ACCESS_TOKEN_TTL": 600,  # seconds
    "CODE_TTL": 120,
    "POST_LATENCY": 0.0,  # seconds spent "publishing" each post (benchmark: 0.1)
    "DUPLICATE_WINDOW": 86400,  # identical text for the same account within it is a duplicate
    "REJECT_DUPLICATE_KEYS": True,  # turn off to let double sends show up in /_control/stats
    "REJECT_DUPLICATE_TEXT": True,
    "REQUIRE_PKCE": True,
    "ENABLE_CONTROL": False,  # /_control/* endpoints (tests and benchmarks switch it on)
    "MAX_IMAGE_BYTES": 5 * 1024 * 1024,  # an attached image, decoded
}


def create_sandbox_app(config: dict[str, Any] | None = None) -> Flask:
    """A self-contained Sandbox network; mount it under ``/sandbox`` or serve it alone."""
    app = Flask(__name__, static_folder=None)  # its stylesheet is the blueprint's
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    clients = [
        Client(cid, c["secret"], c.get("redirect_uris")) for cid, c in app.config["CLIENTS"].items()
    ]
    app.extensions["sandbox"] = SandboxState(
        clients=clients,
        access_token_ttl=float(app.config["ACCESS_TOKEN_TTL"]),
        code_ttl=float(app.config["CODE_TTL"]),
        post_latency=float(app.config["POST_LATENCY"]),
        duplicate_window=float(app.config["DUPLICATE_WINDOW"]),
        reject_duplicate_keys=bool(app.config["REJECT_DUPLICATE_KEYS"]),
        reject_duplicate_text=bool(app.config["REJECT_DUPLICATE_TEXT"]),
    )
    app.register_blueprint(bp)
    app.register_blueprint(comments_bp)
    app.after_request(set_security_headers)  # the portal's CSP and friends, on every answer
    app.register_error_handler(404, _page_not_found)
    app.after_request(set_hardening_headers)  # and HSTS over https, no-store
    return app


def _page_not_found(error: HTTPException) -> Any:
    """A missing page is a page of the Sandbox (with its landmarks); the APIs keep theirs."""
    if request.path.startswith(("/api/", "/oauth/", "/_control/")):
        return error
    return render_template("sandbox/error.html", error=error), 404
