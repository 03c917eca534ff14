"""The library's screens: advisors browse and use; marketing curates. Views stay thin."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import exists, select
from werkzeug.wrappers import Response as WerkzeugResponse

from advisor_hub.accounts.services import get_user, list_branches, local_zone
from advisor_hub.audit.services import trail_for
from advisor_hub.db import get_session
from advisor_hub.errors import NotFound, ValidationError
from advisor_hub.i18n import LANGUAGE_LABELS
from advisor_hub.navigation import NavItem
from advisor_hub.roles import Role
from advisor_hub.security import roles_required
from advisor_hub.wall_clock import local_to_utc
from advisor_hub.web import page_arg, unit_of_work
from content_library import importexport, life_events, services
from content_library.errors import ImportFailed, RenderError
from content_library.forms import (
    ConfirmForm,
    EventTypeForm,
    ImportForm,
    ItemForm,
    LifeEventForm,
    TemplateForm,
)
from content_library.images import image_path
from content_library.limits import LIMITS, NETWORK_LABELS, NETWORKS
from content_library.models import LibraryItem, LibraryItemVersion, Status

bp = Blueprint("library", __name__, url_prefix="/library", template_folder="templates",
               cli_group=None)

# The navigation entries of this blueprint (installed by its Feature).
NAV = (
    NavItem("library.index", _l("Library"), (Role.ADVISOR,),
            _l("Pre-approved posts ready to publish in one click."), 10),
    NavItem("library.life_events", _l("Life events"), (Role.ADVISOR,),
            _l("Congratulate a client: wedding, birth, new job, new home..."), 11),
    NavItem("library.manage", _l("Content library"), (Role.MARKETING,),
            _l("Create, version and retire pre-approved posts; see their use."), 10),
    NavItem("library.templates", _l("Life-event templates"), (Role.MARKETING,),
            _l("Messages advisors send for their clients' life events."), 11),
)

STAFF = (Role.MARKETING, Role.COMPLIANCE, Role.SENIOR_COMPLIANCE, Role.ADMIN)


@bp.app_context_processor
def library_helpers() -> dict[str, Any]:
    return {"status_label": services.status_label, "network_labels": NETWORK_LABELS,
            "network_limits": LIMITS}


# --- advisors -------------------------------------------------------------------------------


@bp.get("/")
@roles_required(Role.ADVISOR)
def index() -> str:
    args = {k: request.args.get(k, "").strip()[:200] for k in ("q", "network", "tag",
                                                                "campaign")}
    # The advisor's own language unless they choose another ("all": every language).
    args["language"] = request.args.get("language", current_user.language)[:8]
    page = services.search_library(
        get_session(), advisor=current_user, page=page_arg(),
        **{**args, "language": "" if args["language"] == "all" else args["language"]})
    return render_template("library/index.html", page=page, args=args, networks=NETWORKS,
                           excerpt=_excerpt_for_advisor, language_labels=LANGUAGE_LABELS)


def _excerpt_for_advisor(version: LibraryItemVersion) -> str:
    """The card shows the text as this advisor would send it; the raw template only if a
    value is missing (the preview then says which)."""
    try:
        return services.personalise(version, current_user)
    except RenderError:
        return version.text


@bp.get("/use/<int:version_id>")
@roles_required(Role.ADVISOR)
def use(version_id: int) -> str:
    try:
        version = services.get_version_for_use(get_session(), version_id=version_id,
                                               advisor=current_user)
    except NotFound:
        abort(404)
    text, error = None, None
    try:
        text = services.personalise(version, current_user)
    except RenderError as failure:
        error = str(failure)
    composer = _composer_url(version_id=version.id)
    return render_template("library/use.html", version=version, text=text, error=error,
                           composer=composer)


def _composer_url(**params: int) -> str | None:
    """The publishing composer, once that package provides it (``?version_id=``)."""
    if "publishing.compose" in current_app.view_functions:
        return url_for("publishing.compose", **params)
    return None


@bp.route("/life-events", methods=["GET", "POST"], endpoint="life_events")
@roles_required(Role.ADVISOR)
def life_events_page() -> str:
    session = get_session()
    form = LifeEventForm(language=current_user.language)
    types = life_events.list_event_types(session)
    form.event.choices = [(t.id, t.label(current_user.language)) for t in types]
    messages: list[tuple[Any, str | None, str | None]] = []
    searched = request.method == "POST"
    if form.validate_on_submit():
        for template in life_events.templates_for_event(
                session, advisor=current_user, type_id=form.event.data,
                language=form.language.data):
            try:
                messages.append((template, life_events.render_life_event(
                    template, current_user, form.client_first_name.data), None))
            except (RenderError, ValidationError) as failure:
                messages.append((template, None, str(failure)))
    return render_template("library/life_events.html", form=form, messages=messages,
                           searched=searched,
                           composer=_composer_url(template_id=0) is not None)


@bp.get("/media/<name>")
@login_required
def media(name: str) -> WerkzeugResponse:
    path = image_path(current_app.config["UPLOAD_FOLDER"], name)
    if path is None:
        abort(404)
    if not current_user.has_any_role(STAFF) and not _advisor_may_see(name):
        abort(404)
    response = send_file(path, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _advisor_may_see(name: str) -> bool:
    if not current_user.has_role(Role.ADVISOR):
        return False
    session = get_session()
    return bool(session.scalar(select(exists().where(
        LibraryItemVersion.image_name == name, LibraryItemVersion.item_id == LibraryItem.id,
        LibraryItemVersion.status.in_([Status.APPROVED, Status.SUPERSEDED]),
        *services.available_now(current_user, datetime.now(UTC))))))


# --- marketing: items -----------------------------------------------------------------------


@bp.get("/manage")
@roles_required(Role.MARKETING)
def manage() -> str:
    q = request.args.get("q", "").strip()[:200]
    status = request.args.get("status", "")
    if status not in {*(str(s) for s in Status), ""}:
        status = ""
    page = services.list_items(get_session(), actor=current_user, q=q, status=status,
                               page=page_arg())
    return render_template("library/manage.html", page=page, q=q, status=status,
                           statuses=list(Status), import_form=ImportForm())


def _to_utc(value: datetime | None, field: str) -> datetime | None:
    """A time typed in the curator's zone → UTC; a DST gap or repeated hour is a form error
    (``wall_clock.local_to_utc``, the composer's rule)."""
    if value is None:
        return None
    return local_to_utc(value, current_user.time_zone, field=field)


def _to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(local_zone(current_user)).replace(tzinfo=None)


def _item_form(version: LibraryItemVersion | None = None) -> ItemForm:
    form = ItemForm()
    form.branch_ids.choices = [(b.id, b.name) for b in list_branches(get_session())]
    if version is not None and request.method == "GET":
        form.title.data = version.title
        form.text.data = version.text
        form.link_url.data = version.link_url
        form.networks.data = list(version.networks)
        form.language.data = version.language
        form.tags.data = ", ".join(version.tags)
        form.campaign.data = version.campaign
        form.audience.data = "all" if version.audience_all else "branches"
        form.branch_ids.data = [b.id for b in version.branches]
        form.available_from.data = _to_local(version.available_from)
        form.expires_at.data = _to_local(version.expires_at)
        form.placeholders.data = list(version.placeholders)
    elif request.method == "GET":
        form.networks.data = ["linkedin", "facebook"]
        form.language.data = current_user.language
    return form


def _fields(form: ItemForm) -> services.ItemFields:
    return services.ItemFields(
        title=form.title.data or "", text=form.text.data or "", link_url=form.link_url.data,
        networks=form.networks.data or [], tags=services.split_list(form.tags.data),
        campaign=form.campaign.data, language=form.language.data or "en",
        audience_all=form.audience.data != "branches", branch_ids=form.branch_ids.data or [],
        available_from=_to_utc(form.available_from.data, "available_from"),
        expires_at=_to_utc(form.expires_at.data, "expires_at"),
        placeholders=form.placeholders.data or [],
    )


def _image(form: ItemForm) -> services.ImageUpload | None:
    upload = form.image.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return services.ImageUpload.from_config(upload.read(), current_app.config)


def _image_dropped(form: ItemForm) -> bool:
    """A refused form comes back without the file the browser sent: say so next to it."""
    upload = form.image.data
    return form.is_submitted() and bool(upload and getattr(upload, "filename", ""))


@bp.route("/manage/new", methods=["GET", "POST"])
@roles_required(Role.MARKETING)
def item_new() -> str | WerkzeugResponse:
    form = _item_form()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            version = services.create_item(get_session(), actor=current_user,
                                           fields=_fields(form), image=_image(form))
        if work.done:
            flash(_("Draft saved. Send it for review when it is ready."), "success")
            return redirect(url_for("library.item_detail", item_id=version.item_id))
    return render_template("library/item_form.html", form=form, item=None, version=None,
                           image_dropped=_image_dropped(form))


def _load_item(item_id: int) -> LibraryItem:
    try:
        return services.get_item(get_session(), actor=current_user, item_id=item_id)
    except NotFound:
        abort(404)


@bp.get("/manage/items/<int:item_id>")
@roles_required(Role.MARKETING)
def item_detail(item_id: int) -> str:
    session = get_session()
    item = _load_item(item_id)
    usage = services.usage_by_version(session, actor=current_user, item_id=item_id)
    trail = [e for v in item.versions for e in trail_for(session, v)]
    trail.sort(key=lambda e: (e.at, e.id))
    people = {}
    for actor_id in {e.actor_id for e in trail if e.actor_id}:
        try:
            people[actor_id] = get_user(session, actor_id).full_name
        except NotFound:
            people[actor_id] = f"#{actor_id}"
    return render_template("library/item_detail.html", item=item, usage=usage,
                           trail=trail, people=people, confirm_form=ConfirmForm())


@bp.get("/manage/versions/<int:version_id>")
@roles_required(Role.MARKETING)
def version_detail(version_id: int) -> WerkzeugResponse:
    """Where decision notifications link to: the version's item, at that version."""
    try:
        version = services.get_version(get_session(), version_id)
    except NotFound:
        abort(404)
    return redirect(url_for("library.item_detail", item_id=version.item_id,
                            _anchor=f"version-{version.number}"))


@bp.route("/manage/items/<int:item_id>/edit", methods=["GET", "POST"])
@roles_required(Role.MARKETING)
def item_edit(item_id: int) -> str | WerkzeugResponse:
    item = _load_item(item_id)
    form = _item_form(item.latest)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            version = services.edit_item(get_session(), actor=current_user, item_id=item_id,
                                         fields=_fields(form), image=_image(form),
                                         remove_image=form.remove_image.data)
        if work.done:
            flash(_("Version %(n)d saved as a draft.", n=version.number), "success")
            return redirect(url_for("library.item_detail", item_id=item_id))
    return render_template("library/item_form.html", form=form, item=item,
                           version=item.latest, image_dropped=_image_dropped(form))


def _action(func: Any, success: str, **kwargs: Any) -> bool:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work(missing_is_404=True) as work:
        func(get_session(), actor=current_user, **kwargs)
    if work.done:
        flash(success, "success")
    return work.done


@bp.post("/manage/versions/<int:version_id>/submit")
@roles_required(Role.MARKETING)
def version_submit(version_id: int) -> WerkzeugResponse:
    try:
        version = services.get_version(get_session(), version_id)
    except NotFound:
        abort(404)
    _action(services.submit_version, _("Sent to compliance for review."),
            version_id=version_id)
    return redirect(url_for("library.item_detail", item_id=version.item_id))


@bp.post("/manage/items/<int:item_id>/retire")
@roles_required(Role.MARKETING)
def item_retire(item_id: int) -> WerkzeugResponse:
    _action(services.retire_item, _("Item retired: advisors no longer see it."),
            item_id=item_id)
    return redirect(url_for("library.item_detail", item_id=item_id))


@bp.route("/manage/import", methods=["GET", "POST"])
@roles_required(Role.MARKETING)
def import_items() -> str | WerkzeugResponse:
    form = ImportForm()
    errors: list[tuple[int, str]] = []
    if form.validate_on_submit():
        upload = form.file.data
        with unit_of_work(form) as work:
            rows = importexport.parse_file(upload.filename or "", upload.read())
            result = importexport.import_items(get_session(), actor=current_user, rows=rows,
                                               skip_invalid=form.skip_invalid.data)
        if isinstance(work.error, ImportFailed):  # the bad rows, listed under the form
            errors = work.error.errors
        if work.done:
            flash(_("%(n)d item(s) imported as drafts; %(skipped)d row(s) skipped.",
                    n=result.imported, skipped=len(result.errors)), "success")
            for line, message in result.errors:
                flash(_("Skipped line %(line)d: %(message)s", line=line, message=message),
                      "warning")
            return redirect(url_for("library.manage"))
    return render_template("library/import.html", form=form, errors=errors,
                           columns=importexport.COLUMNS)


@bp.get("/manage/export")
@roles_required(Role.MARKETING)
def export_items() -> Response:
    fmt = "json" if request.args.get("format") == "json" else "csv"
    content = importexport.export_items(get_session(), actor=current_user, fmt=fmt)
    mimetype = "application/json" if fmt == "json" else "text/csv"
    return Response(content, mimetype=f"{mimetype}; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=library.{fmt}"})


# --- marketing: life-event templates --------------------------------------------------------


@bp.get("/manage/templates")
@roles_required(Role.MARKETING)
def templates() -> str:
    session = get_session()
    return render_template(
        "library/templates.html",
        templates=life_events.list_templates(session, actor=current_user),
        usage=life_events.usage_by_lineage(session, actor=current_user),
        types=life_events.list_event_types(session), type_form=EventTypeForm(),
        confirm_form=ConfirmForm())


@bp.post("/manage/event-types")
@roles_required(Role.MARKETING)
def event_type_add() -> WerkzeugResponse:
    form = EventTypeForm()
    if not form.validate_on_submit():
        flash(_("Give the life-event type a name."), "danger")
        return redirect(url_for("library.templates"))
    with unit_of_work() as work:
        event_type = life_events.add_event_type(
            get_session(), actor=current_user, label_en=form.label_en.data,
            label_fr=form.label_fr.data or "")
    if work.done:
        flash(_("Life-event type “%(name)s” added.", name=event_type.label_en), "success")
    return redirect(url_for("library.templates"))


def _template_form() -> TemplateForm:
    form = TemplateForm()
    form.type_id.choices = [(t.id, t.label(current_user.language))
                            for t in life_events.list_event_types(get_session())]
    return form


@bp.route("/manage/templates/new", methods=["GET", "POST"])
@roles_required(Role.MARKETING)
def template_new() -> str | WerkzeugResponse:
    form = _template_form()
    if request.method == "GET":
        form.language.data = current_user.language
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            life_events.create_template(get_session(), actor=current_user,
                                        type_id=form.type_id.data,
                                        language=form.language.data, text=form.text.data)
        if work.done:
            flash(_("Template saved as a draft."), "success")
            return redirect(url_for("library.templates"))
    return render_template("library/template_form.html", form=form, template=None,
                           history=[])


@bp.route("/manage/templates/<int:template_id>/edit", methods=["GET", "POST"])
@roles_required(Role.MARKETING)
def template_edit(template_id: int) -> str | WerkzeugResponse:
    session = get_session()
    try:
        template = life_events.get_template(session, template_id)
    except NotFound:
        abort(404)
    history = life_events.lineage(session, template.lineage_id or template.id)
    form = _template_form()
    if request.method == "GET":
        form.type_id.data, form.language.data = template.type_id, template.language
        form.text.data = history[-1].text
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            saved = life_events.edit_template(session, actor=current_user,
                                              template_id=template_id, text=form.text.data)
        if work.done:
            flash(_("Version %(n)d saved as a draft.", n=saved.number), "success")
            return redirect(url_for("library.templates"))
    return render_template("library/template_form.html", form=form, template=template,
                           history=history, confirm_form=ConfirmForm())


@bp.post("/manage/templates/<int:template_id>/submit")
@roles_required(Role.MARKETING)
def template_submit(template_id: int) -> WerkzeugResponse:
    _action(life_events.submit_template, _("Sent to compliance for review."),
            template_id=template_id)
    return redirect(url_for("library.templates"))


@bp.post("/manage/templates/<int:template_id>/retire")
@roles_required(Role.MARKETING)
def template_retire(template_id: int) -> WerkzeugResponse:
    _action(life_events.retire_template, _("Template retired."), template_id=template_id)
    return redirect(url_for("library.templates"))
