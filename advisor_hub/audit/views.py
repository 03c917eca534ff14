from __future__ import annotations

import io
from collections.abc import Iterator

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from advisor_hub import csvsafe
from advisor_hub.accounts.services import all_users
from advisor_hub.audit import services
from advisor_hub.audit.forms import AuditFilterForm
from advisor_hub.audit.labels import action_label
from advisor_hub.db import get_session
from advisor_hub.errors import PermissionDenied
from advisor_hub.navigation import NavItem
from advisor_hub.roles import Role
from advisor_hub.security import roles_required
from advisor_hub.web import page_arg

bp = Blueprint("audit", __name__, template_folder="templates")

# The navigation entries of this blueprint (installed by its Feature).
NAV = (
    NavItem("audit.events", _l("Audit trail"), (Role.ADMIN,),
            _l("Every change made in the portal: who, what, when, before and after."), 82),
)


@bp.app_context_processor
def _audit_helpers() -> dict[str, object]:
    return {"audit_action_label": action_label}


def _filter_form() -> tuple[AuditFilterForm, services.AuditFilter]:
    session = get_session()
    form = AuditFilterForm(request.args)
    form.user.choices = [(0, _("Anyone"))] + [(u.id, f"{u.full_name} ({u.email})")
                                              for u in all_users(session)]
    form.action.choices = [("", _("Any action"))] + sorted(
        ((a, action_label(a)) for a in services.known_actions(session)),
        key=lambda choice: choice[1].casefold())
    valid = form.validate()
    filters = services.AuditFilter(
        actor_id=form.user.data or None if valid else None,
        action=form.action.data or None if valid else None,
        date_from=form.date_from.data if valid else None,
        date_to=form.date_to.data if valid else None,
        time_zone=current_user.time_zone,
    )
    return form, filters


@bp.get("/admin/audit")
@roles_required(Role.ADMIN)
def events() -> str:
    form, filters = _filter_form()
    page = services.search_events(get_session(), actor=current_user, filters=filters,
                                  page=page_arg())
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("audit/events.html", form=form, page=page, args=args)


@bp.get("/admin/audit/export.csv")
@roles_required(Role.ADMIN)
def export() -> Response:
    """The audit trail as CSV, with the filters of the page; a filter the form refuses (To
    before From) is a 400, not the whole trail."""
    form, filters = _filter_form()
    if form.errors:
        abort(400)
    try:
        rows = services.export_events(get_session(), actor=current_user, filters=filters)
        first = next(rows)  # the role check runs here, before the answer starts
    except PermissionDenied:
        abort(403)

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csvsafe.writer(buffer, lineterminator="\r\n")
        writer.writerow(first)
        for row in rows:
            writer.writerow(row)
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(lines()), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'})
