"""The accounts package's settings, read when its blueprint is registered.

Each key comes from the app config (test config, ``ADVISOR_HUB_*``), else from the plain
environment variable of the same name, else the default below. A limit is Flask-Limiter's
notation, several separated by ";".

==================================  ===============================  ==========================
RATELIMIT_STORAGE_URI               ``memory://``                    one web node; several share
                                                                     e.g. ``redis://host:6379``
                                                                     (``pip install redis``)
RATELIMIT_ENABLED                   ``true``
LOGIN_LIMIT_PER_ADDRESS             ``30 per minute;300 per hour``   login posts from one
                                                                     address (password changes:
                                                                     the same, counted apart)
LOGIN_LIMIT_PER_ACCOUNT             ``10 per minute;50 per hour``    failed logins for one
                                                                     e-mail, known or not
PASSWORD_RESET_LIMIT_PER_ADDRESS    ``20 per hour``                  reset requests and resets
                                                                     from one address
PASSWORD_RESET_LIMIT_PER_ACCOUNT    ``3 per hour``                   reset requests for one
                                                                     e-mail (no mail bombing)
PASSWORD_RESET_TOKEN_MINUTES        ``30``                           how long a reset link works
PASSWORD_RESET_BASE_URL             (empty)                          e.g. ``https://hub.bank.example``:
                                                                     reset links are built on it;
                                                                     empty: on the request's host
                                                                     (restrict it: TRUSTED_HOSTS)
==================================  ===============================  ==========================
"""

from __future__ import annotations

import os

from flask import Flask

DEFAULTS: dict[str, str] = {
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": "true",
    "LOGIN_LIMIT_PER_ADDRESS": "30 per minute;300 per hour",
    "LOGIN_LIMIT_PER_ACCOUNT": "10 per minute;50 per hour",
    "PASSWORD_RESET_LIMIT_PER_ADDRESS": "20 per hour",
    "PASSWORD_RESET_LIMIT_PER_ACCOUNT": "3 per hour",
    "PASSWORD_RESET_TOKEN_MINUTES": "30",
    "PASSWORD_RESET_BASE_URL": "",
}


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def init_app(app: Flask) -> None:
    """Fill in the settings (a wrong number stops the start-up), then the rate limiter."""
    from advisor_hub.accounts import ratelimit

    for key, default in DEFAULTS.items():
        if key not in app.config:
            app.config[key] = os.environ.get(key, default)
    app.config["RATELIMIT_ENABLED"] = _flag(app.config["RATELIMIT_ENABLED"])
    minutes = int(app.config["PASSWORD_RESET_TOKEN_MINUTES"])
    if not 1 <= minutes <= 24 * 60:
        raise RuntimeError("PASSWORD_RESET_TOKEN_MINUTES must be between 1 and 1440")
    app.config["PASSWORD_RESET_TOKEN_MINUTES"] = minutes
    ratelimit.init_app(app)
