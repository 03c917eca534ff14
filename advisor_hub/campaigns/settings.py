"""The campaigns feature's settings: defaults set at start-up (``init_app``), each
overridable by the app's configuration or an ``ADVISOR_HUB_<KEY>`` environment variable.

- ``CAMPAIGN_STAGGER_MINUTES`` (30): campaign posts of different advisors are spread over
  this window after each step's time (0: all at the step's time);
- ``CAMPAIGN_SCHEDULE_AHEAD_DAYS`` (14): an opt-in composes the posts due within this many
  days; the later ones stay planned and a job composes them as their time nears (a post's
  approval lapses when unused ``REVIEW_EXPIRY_DAYS``, so this stays below that);
- ``CAMPAIGN_DIGEST_BATCH`` (200): digests sent per run of the digest job (one transaction);
- ``CAMPAIGN_DIGEST_HOUR`` (8): a week's digest is due from Monday at this hour, on each
  advisor's clock;
- ``CAMPAIGN_DIGEST_LINK_DAYS`` (14): how long a suggestion's link in a digest works;
- ``CAMPAIGN_LIFE_EVENT_DAYS`` (14): a client's life event recorded on "My clients' events"
  is suggested from this many days before its date;
- ``CAMPAIGN_PUBLIC_URL`` (unset): the portal's address, for the links in e-mails built
  outside a request (the digest job); unset, ``SERVER_NAME`` (with ``PREFERRED_URL_SCHEME``)
  gives it; with neither no digest is sent (its links would point at a guessed host).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, has_app_context

DEFAULTS: dict[str, Any] = {
    "CAMPAIGN_STAGGER_MINUTES": 30,
    "CAMPAIGN_SCHEDULE_AHEAD_DAYS": 14,
    "CAMPAIGN_DIGEST_BATCH": 200,
    "CAMPAIGN_DIGEST_HOUR": 8,
    "CAMPAIGN_DIGEST_LINK_DAYS": 14,
    "CAMPAIGN_PUBLIC_URL": None,
    "CAMPAIGN_LIFE_EVENT_DAYS": 14,
}


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)


def setting(name: str, config: Mapping[str, Any] | None = None) -> Any:
    """A setting from ``config`` or the current app's, else its default."""
    if config is None and has_app_context():
        config = current_app.config
    value = (config or {}).get(name, DEFAULTS[name])
    return DEFAULTS[name] if value is None else value


def public_url(config: Mapping[str, Any] | None = None) -> str | None:
    """The portal's address for links outside a request, or None when nothing says it."""
    if config is None and has_app_context():
        config = current_app.config
    config = config or {}
    if config.get("CAMPAIGN_PUBLIC_URL"):
        return str(config["CAMPAIGN_PUBLIC_URL"]).rstrip("/")
    if config.get("SERVER_NAME"):
        scheme = config.get("PREFERRED_URL_SCHEME") or "http"
        root = str(config.get("APPLICATION_ROOT") or "/").rstrip("/")
        return f"{scheme}://{config['SERVER_NAME']}{root}"
    return None


def stagger_minutes() -> int:
    return max(0, int(setting("CAMPAIGN_STAGGER_MINUTES")))


def schedule_ahead() -> timedelta:
    """How far ahead posts are composed: below the approvals' expiry, at least a day."""
    from approvals.services import expiry_days

    days = min(int(setting("CAMPAIGN_SCHEDULE_AHEAD_DAYS")), expiry_days() - 1)
    return timedelta(days=max(1, days))
