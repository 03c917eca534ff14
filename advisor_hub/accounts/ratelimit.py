"""Rate limits on the password forms, per client address and per account (Flask-Limiter).

They bound the work an attacker can make the portal do (each check costs an Argon2 hash)
and the e-mails one can make it send. The lockout (:mod:`advisor_hub.accounts.lockout`)
stays the exact guard on guessing; these limits are the coarse one in front of it.

Their settings and defaults are listed in :mod:`advisor_hub.accounts.settings`.

The per-account keys are a hash of the normalised e-mail given, known or not: an unknown
e-mail is limited exactly like a known one, and no e-mail is written to the storage.
The address is the connection's (``request.remote_addr``): behind a reverse proxy, the
deployment must make that the client's (Werkzeug's ProxyFix, trusted hops only).
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app: Flask) -> None:
    """Start the limiter with this app's settings (its storage is this app's). A refusal is a
    429, answered by the app's one error page (``core_views``: no database needed)."""
    limiter.init_app(app)
    # The limiter is one instance for every app of the process (its decorators are applied at
    # import): each app's init sets its storage, and its on/off switch here, explicitly.
    limiter.enabled = bool(app.config["RATELIMIT_ENABLED"])


def _setting(name: str) -> Any:
    return lambda: current_app.config[name]


def _account_key(prefix: str) -> Any:
    def key() -> str:
        email = (request.form.get("email") or "").strip().lower()
        return f"{prefix}:{hashlib.sha256(email.encode('utf-8', 'replace')).hexdigest()[:40]}"

    return key


def _failed_login(response: Response) -> bool:
    return response.status_code != 302  # a login that worked redirects; it costs nothing


def _reset_asked(response: Response) -> bool:
    return response.status_code == 302  # a request taken (the form was valid) redirects


login_per_address = limiter.limit(_setting("LOGIN_LIMIT_PER_ADDRESS"), methods=["POST"],
                                  scope="login-address")
login_per_account = limiter.limit(_setting("LOGIN_LIMIT_PER_ACCOUNT"), methods=["POST"],
                                  key_func=_account_key("login"), deduct_when=_failed_login,
                                  scope="login-account")
reset_per_address = limiter.limit(_setting("PASSWORD_RESET_LIMIT_PER_ADDRESS"),
                                  methods=["POST"], scope="reset-address")
reset_per_account = limiter.limit(_setting("PASSWORD_RESET_LIMIT_PER_ACCOUNT"),
                                  methods=["POST"], key_func=_account_key("reset"),
                                  deduct_when=_reset_asked, scope="reset-account")
