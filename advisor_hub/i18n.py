"""Languages and time zones: each user's own, else the browser's, via Flask-Babel."""

from __future__ import annotations

from typing import Final

from flask import Flask, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from advisor_hub import ROOT
from advisor_hub.extensions import babel

# The languages the portal speaks: every list of languages (settings, forms, the CLI, the
# language switch) is this one.
LANGUAGES: Final = ("en", "fr")
# Each language's name in that language (what a language switch shows) ...
LANGUAGE_NAMES: Final = {"en": "English", "fr": "Français"}
# ... and in the reader's language (what a choice among content languages shows).
LANGUAGE_LABELS: Final = {"en": _l("English"), "fr": _l("French")}
DEFAULT_LANGUAGE: Final = "en"


def translation_directories() -> str:
    """Each package keeps its own catalogue (``<package>/translations``)."""
    dirs = sorted(str(p) for p in ROOT.glob("*/translations")) + sorted(
        str(p) for p in ROOT.glob("advisor_hub/*/translations")
    )
    return ";".join(dirs)


def select_locale() -> str | None:
    if not has_request_context():
        return None  # CLI and jobs: the default locale
    if current_user and current_user.is_authenticated:
        return current_user.language
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def select_timezone() -> str | None:
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated:
        return current_user.time_zone
    return None


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories())
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(
        get_locale=get_locale, format_datetime=format_datetime, format_date=format_date,
        language_names=LANGUAGE_NAMES,
    )
