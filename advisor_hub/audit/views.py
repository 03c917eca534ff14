from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from advisor_hub.accounts.services import all_users
from advisor_hub.audit import services
from advisor_hub.audit.forms import AuditFilterForm
from advisor_hub.audit.labels import action_label
from advisor_hub.db import get_session
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


@bp.get("/admin/audit")
@roles_required(Role.ADMIN)
def events() -> str:
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
    page = services.search_events(session, actor=current_user, filters=filters, page=page_arg())
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("audit/events.html", form=form, page=page, args=args)
