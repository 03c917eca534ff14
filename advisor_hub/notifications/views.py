from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from advisor_hub.accounts.forms import ConfirmForm
from advisor_hub.db import get_session
from advisor_hub.errors import NotFound
from advisor_hub.notifications import services
from advisor_hub.web import commit, page_arg

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.app_context_processor
def unread_notifications() -> dict[str, object]:
    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(get_session(), current_user)

    return {"unread_notification_count": count, "render_notification": services.render}


@bp.get("/notifications")
@login_required
def index() -> str:
    page = services.list_notifications(get_session(), current_user, page=page_arg())
    return render_template("notifications/index.html", page=page, form=ConfirmForm())


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.mark_read(get_session(), current_user, notification_id)
    except NotFound:
        abort(404)
    commit()
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/read-all")
@login_required
def read_all() -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.mark_read(get_session(), current_user)
    commit()
    return redirect(url_for("notifications.index"))


