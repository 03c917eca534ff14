"""Flask-Login wiring: starting, checking and ending the session of a user.

A session carries the user's ``session_version`` from the moment of login; the user loader
refuses it as soon as the version in the database moved on (logout, deactivation, role
change, the identity provider's changes), and once its absolute lifetime or idle timeout
has passed (SESSION_ABSOLUTE_HOURS, SESSION_IDLE_MINUTES).
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app, flash, g, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.accounts.services import end_sessions
from advisor_hub.db import get_session
from advisor_hub.extensions import login_manager

VERSION_KEY = "_session_version"
STARTED_KEY = "_session_started"
SEEN_KEY = "_session_seen"
IDP_KEY = "_idp"  # how the session signed in through the identity provider, if it did
SIGNED_OUT_IDP_KEY = "_idp_signed_out"  # kept across logout, for the provider's sign-out
ABSOLUTE_HOURS = 12  # defaults of SESSION_ABSOLUTE_HOURS and SESSION_IDLE_MINUTES
IDLE_MINUTES = 30


RESET_REQUIRED_KEY = "_password_reset_required"


def session_data(user: User, now: float | None = None) -> dict[str, Any]:
    """The keys a new session of ``user`` carries (Flask-Login adds its own)."""
    now = time.time() if now is None else now
    data: dict[str, Any] = {VERSION_KEY: user.session_version, STARTED_KEY: now, SEEN_KEY: now}
    if getattr(user, "password_reset_required", False):
        # Read before each request without loading the user (the flag can only be set by
        # an admin's forced reset, which ends every session: the next login carries it).
        data[RESET_REQUIRED_KEY] = True
    return data


def start_session(user: User, *, idp: dict[str, Any] | None = None) -> None:
    """Log ``user`` in on a brand-new session: whatever the old cookie held (a planted
    session, the CSRF secret) is gone, so nothing learnt before login works after it."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's per-request cache of the old secret's token
    login_user(user)
    session.update(session_data(user))
    if idp:
        session[IDP_KEY] = idp


def end_session(db_session: Session, user: User) -> dict[str, Any] | None:
    """Log out: every copy of this session (and every other session of the user) stops
    working. Returns the identity provider sign-in the session had, if any."""
    idp = session.get(IDP_KEY)
    end_sessions(db_session, user)
    logout_user()
    session.clear()
    if idp:
        session[SIGNED_OUT_IDP_KEY] = idp
    return idp


def _session_expired(now: float) -> bool:
    config = current_app.config
    started, seen = session.get(STARTED_KEY), session.get(SEEN_KEY)
    if not isinstance(started, int | float) or not isinstance(seen, int | float):
        return True
    return (now - started > float(config.get("SESSION_ABSOLUTE_HOURS", ABSOLUTE_HOURS)) * 3600
            or now - seen > float(config.get("SESSION_IDLE_MINUTES", IDLE_MINUTES)) * 60)


def init_app(app: Flask) -> None:
    """Flask-Login for ``app``: the sign-in page, its message, and the user loader (called
    by the factory; importing this module registers nothing)."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)


def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    now = time.time()
    if (user is None or not user.active or session.get(VERSION_KEY) != user.session_version
            or _session_expired(now)):
        session.clear()
        flash(_("Your session has ended: please log in again."), "info")
        return None
    session[SEEN_KEY] = now
    return user
