"""Home page (by role), language switch and the error pages (the health check:
``advisor_hub.health``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.wrappers import Response

from advisor_hub.accounts import services as accounts
from advisor_hub.db import get_session
from advisor_hub.hardening import BadRedirect, ValueOutOfRange
from advisor_hub.i18n import LANGUAGES
from advisor_hub.navigation import items_for_role
from advisor_hub.roles import ROLE_LABELS, Role
from advisor_hub.security import is_safe_next
from advisor_hub.web import unit_of_work

bp = Blueprint("core", __name__, template_folder="templates")

ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("File too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}
ERROR_MESSAGES = {
    400: _l("The request could not be understood. Please go back and try again."),
    403: _l("Your role does not give access to this page."),
    404: _l("This page does not exist, or you do not have access to it."),
    405: _l("This action is not allowed here."),
    413: _l("The file you sent is larger than allowed."),
    429: _l("Too many attempts. Please wait a few minutes and try again."),
    500: _l("An unexpected error occurred. It has been logged; please try again later."),
}


@bp.get("/")
@login_required
def home() -> str:
    sections = [
        (role, ROLE_LABELS[role], items_for_role(role)) for role in current_user.roles
    ]
    return render_template("home.html", sections=sections)


@bp.post("/language")
def set_language() -> Response:
    """The navigation's language switch (CSRF-checked like every POST): a signed-in user's
    choice is kept in their preferences (audited), an anonymous visitor's in the session;
    then back to the same page."""
    language = request.form.get("language", "")
    if language in LANGUAGES:
        session["language"] = language
        if current_user.is_authenticated and current_user.language != language:
            with unit_of_work():
                accounts.update_preferences(get_session(), actor=current_user,
                                            language=language,
                                            time_zone=current_user.time_zone)
    target = _same_page(request.form.get("next"))
    return redirect(target if is_safe_next(target) else url_for("core.home"))


def _same_page(path: str | None) -> str | None:
    """The page the switch was pressed on, with its query string: the form carries only the
    path (a page never echoes its query string), the query comes from this site's own
    Referer for that path."""
    referrer = urlsplit(request.referrer or "")
    if path and referrer.netloc == request.host and referrer.path == path and referrer.query:
        return f"{path}?{referrer.query}"
    return path


def _forget_unloaded_user() -> None:
    """Error pages work with no database (an outage is when they are seen): the page shows
    no user, and a user that is not in memory is not loaded again. Flask-Login's template
    context (``current_user``) and the locale selector would query for it; with an anonymous
    user they take the language from the session cookie or the browser instead. A user
    already loaded (its columns still in memory) keeps their own language."""
    user = g.get("_login_user")
    in_memory = user is not None and (getattr(user, "is_anonymous", False)
                                      or "language" in vars(user))
    if not in_memory:
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]


def _can_build_urls() -> bool:
    # No URL adapter when the Host header was refused (TRUSTED_HOSTS): a bare page then.
    try:
        url_for("core.home")
    except Exception:
        return False
    return True


def register_error_pages(app: Flask) -> None:
    def render_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        _forget_unloaded_user()
        message = ERROR_MESSAGES.get(code, error.description)
        if isinstance(error, ValueOutOfRange | BadRedirect):
            message = error.description
        elif isinstance(error, SecurityError):  # a Host header not in TRUSTED_HOSTS
            message = _l("This server does not answer to that address.")
        return render_template(
            "errors/error.html",
            code=code,
            title=ERROR_TITLES.get(code, _l("Error")),
            message=message,
            urls=_can_build_urls(),
        ), code

    for code in ERROR_TITLES:
        app.register_error_handler(code, render_error)


@bp.app_context_processor
def navigation() -> dict[str, object]:
    from advisor_hub import labels
    from advisor_hub.navigation import menu_for
    from advisor_hub.networks import network_label

    return {
        "nav_menu": menu_for,
        "network_label": network_label,
        "role_label": lambda role: ROLE_LABELS[Role(role)],
        # Codes and ids in words (advisor_hub.labels).
        "state_label": labels.state_label,
        "kind_label": labels.kind_label,
        "subject_label": labels.subject_label,
        "field_label": labels.field_label,
        "value_label": lambda field, value: labels.value_label(get_session(), field, value),
        "person_name": lambda user: labels.person_name(get_session(), user),
    }
