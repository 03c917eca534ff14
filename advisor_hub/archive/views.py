"""Compliance's archive screens (search, record, export, legal holds, integrity) and the
`archive-verify`, `archive-purge` and `archive-export` commands."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from advisor_hub.accounts.models import Branch, User, UserRole
from advisor_hub.archive import export as exports
from advisor_hub.archive import integrity, record_page, services
from advisor_hub.archive.forms import ArchiveSearchForm, ConfirmForm, HoldForm
from advisor_hub.audit import services as audit
from advisor_hub.db import database, get_session
from advisor_hub.errors import NotFound
from advisor_hub.navigation import NavItem
from advisor_hub.roles import Role
from advisor_hub.security import roles_required
from advisor_hub.web import commit, page_arg, unit_of_work

bp = Blueprint("archive", __name__, url_prefix="/archive", template_folder="templates",
               cli_group=None)

ROLES = services.ARCHIVE_ROLES

# The navigation entries of this blueprint (installed by its Feature).
NAV = (
    NavItem("archive.search", _l("Archive"), ROLES,
            _l("Search, read and export every publication and decision, tamper-evident."),
            60),
    NavItem("archive.holds", _l("Legal holds"), ROLES,
            _l("Keep an advisor's or a period's records from ever being purged."), 61),
)


def _advisors() -> list[User]:
    return list(get_session().scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADVISOR.value)
        .order_by(User.last_name, User.first_name)
    ))


def _search_form() -> ArchiveSearchForm:
    session = get_session()
    form = ArchiveSearchForm(request.args)
    form.advisor.choices = [(0, _("Any advisor"))] + [(u.id, u.full_name) for u in _advisors()]
    form.branch.choices = [(0, _("Any branch"))] + [
        (b.id, b.name) for b in session.scalars(select(Branch).order_by(Branch.name))
    ]
    form.network.choices = [("", _("Any network"))] + [
        (n, n) for n in services.known_networks(session)
    ]
    return form


def _filters(form: ArchiveSearchForm) -> services.ArchiveFilter:
    valid = form.validate()
    upto = request.args.get("upto", type=int)
    if not valid:
        return services.ArchiveFilter(time_zone=current_user.time_zone, upto_id=upto)
    return services.ArchiveFilter(
        advisor_id=form.advisor.data or None, branch_id=form.branch.data or None,
        network=form.network.data or None, kind=form.kind.data or None,
        date_from=form.date_from.data, date_to=form.date_to.data,
        q=(form.q.data or "").strip() or None, time_zone=current_user.time_zone, upto_id=upto,
    )


@bp.get("/")
@roles_required(*ROLES)
def search() -> str:
    session = get_session()
    form = _search_form()
    filters = _filters(form)
    page = services.search_records(session, actor=current_user, filters=filters,
                                   page=page_arg())
    args = {k: v for k, v in request.args.items() if k != "page"}
    export_args = filters.pinned(session).as_args()
    return render_template("archive/search.html", form=form, page=page, args=args,
                           export_args=export_args)


@bp.get("/records/<int:record_id>")
@roles_required(*ROLES)
def record(record_id: int) -> str:
    try:
        view = record_page.get_record(get_session(), actor=current_user, record_id=record_id)
    except NotFound:
        abort(404)
    return render_template("archive/record.html", view=view)


def _export_format() -> str:
    fmt = request.args.get("format", "csv")
    if fmt not in exports.FORMATS:
        abort(400)
    return fmt


@bp.get("/export")
@roles_required(*ROLES)
def export() -> Response:
    session = get_session()
    fmt = _export_format()
    filters = _filters(_search_form()).pinned(session)
    audit.record(session, current_user, "archive.exported",
                 ("archive_export", filters.upto_id or 0),
                 after={"format": fmt, "filters": filters.as_args()})
    commit()
    stream = exports.export_records(session, actor=current_user, filters=filters, fmt=fmt,
                                    sessions=database().sessionmaker)
    name = f"archive-{date.today().isoformat()}-upto{filters.upto_id}.{fmt}"
    return Response(iter(stream), mimetype=exports.FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/export/manifest")
@roles_required(*ROLES)
def export_manifest() -> Response:
    session = get_session()
    filters = _filters(_search_form()).pinned(session)
    manifest = exports.export_manifest(session, actor=current_user, filters=filters,
                                       fmt=_export_format())
    response = jsonify(manifest)
    name = f"archive-upto{filters.upto_id}.{manifest['format']}.manifest.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/holds")
@roles_required(*ROLES)
def holds() -> str:
    form = HoldForm()
    form.advisor.choices = [(0, _("Any advisor"))] + [(u.id, u.full_name) for u in _advisors()]
    return render_template("archive/holds.html", form=form, confirm=ConfirmForm(),
                           holds=services.list_holds(get_session(), actor=current_user))


@bp.post("/holds")
@roles_required(*ROLES)
def place_hold() -> str | Response:
    session = get_session()
    form = HoldForm()
    form.advisor.choices = [(0, _("Any advisor"))] + [(u.id, u.full_name) for u in _advisors()]
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.place_hold(
                session, actor=current_user, reason=form.reason.data,
                advisor_id=form.advisor.data or None, date_from=form.date_from.data,
                date_to=form.date_to.data,
            )
        if work.done:
            flash(_("The legal hold is in place: these records will not be purged."),
                  "success")
            return redirect(url_for("archive.holds"))
    return render_template("archive/holds.html", form=form, confirm=ConfirmForm(),
                           holds=services.list_holds(session, actor=current_user)), 400


@bp.post("/holds/<int:hold_id>/release")
@roles_required(*ROLES)
def release_hold(hold_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.release_hold(get_session(), actor=current_user, hold_id=hold_id)
    except NotFound:
        abort(404)
    commit()
    flash(_("The legal hold is released."), "info")
    return redirect(url_for("archive.holds"))


@bp.get("/integrity")
@roles_required(*ROLES)
def integrity_check() -> str:
    session = get_session()
    return render_template(
        "archive/integrity.html", result=integrity.verify_chain(session),
        checkpoint=integrity.latest_checkpoint(session),
        retention_years=current_app.config["ARCHIVE_RETENTION_YEARS"],
        holds=services.active_holds(session),
    )
