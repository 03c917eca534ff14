"""The adoption dashboard for branch managers, marketing, compliance and admin."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from advisor_hub import csvsafe
from advisor_hub.accounts.models import Branch
from advisor_hub.conversations import reporting as conversations
from advisor_hub.dashboard import services
from advisor_hub.dashboard.forms import PeriodForm
from advisor_hub.db import get_session
from advisor_hub.errors import PermissionDenied
from advisor_hub.navigation import NavItem
from advisor_hub.security import roles_required

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates")

ROLES = services.DASHBOARD_ROLES
DEFAULT_DAYS = 30

# The navigation entries of this blueprint (installed by its Feature).
NAV = (
    NavItem("dashboard.index", _l("Adoption"), ROLES,
            _l("Who publishes, what they use, how fast reviews go, what fails."), 70),
)


def _period_and_branch() -> tuple[PeriodForm, services.Period, int | None]:
    tz = current_user.time_zone
    today = datetime.now(ZoneInfo(tz)).date()
    period = services.Period.last_days(DEFAULT_DAYS, today=today, time_zone=tz)
    # A side left empty is the default period's, so the form checks the period shown.
    args = request.args.copy()
    for name, day in (("date_from", period.first_day), ("date_to", period.last_day)):
        if not args.get(name):
            args[name] = day.isoformat()
    form = PeriodForm(args)
    form.branch.choices = [(0, _("All branches"))] + [
        (b.id, b.name) for b in get_session().scalars(select(Branch).order_by(Branch.name))
    ]
    if form.validate():
        period = services.Period(form.date_from.data, form.date_to.data, tz)
    form.date_from.data, form.date_to.data = period.first_day, period.last_day
    return form, period, form.branch.data or None


@bp.get("/")
@roles_required(*ROLES)
def index() -> str:
    form, period, branch_id = _period_and_branch()
    try:
        board = services.build_dashboard(get_session(), actor=current_user, period=period,
                                         branch_id=branch_id)
    except PermissionDenied:
        abort(403)
    args = {"date_from": period.first_day.isoformat(), "date_to": period.last_day.isoformat()}
    if board.scope.can_choose and board.scope.branch_id:
        args["branch"] = str(board.scope.branch_id)
    responses = conversations.response_metrics(get_session(), period.start, period.end,
                                               board.scope.branch_id)
    return render_template("dashboard/index.html", form=form, board=board, args=args,
                           sources=services.SOURCES, responses=responses)


@bp.get("/<name>.csv")
@roles_required(*ROLES)
def table_csv(name: str) -> Response:
    if name not in services.TABLES:
        abort(404)
    _form, period, branch_id = _period_and_branch()
    try:
        headers, rows = services.dashboard_table(get_session(), actor=current_user, name=name,
                                                 period=period, branch_id=branch_id)
    except PermissionDenied:
        abort(403)
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    filename = f"adoption-{name}-{period.first_day}-{period.last_day}.csv"
    return Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
