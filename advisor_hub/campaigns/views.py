"""Campaign screens: marketing's campaigns, an advisor's invitations and calendar, the
digest's confirmation and unsubscribe pages, the adoption figures. Thin views."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

import content_library.services as library
from advisor_hub.accounts.forms import ConfirmForm
from advisor_hub.accounts.services import common_time_zones, list_branches
from advisor_hub.campaigns import calendar, client_events, digest, recommend, reporting, services
from advisor_hub.campaigns.authoring import AUTHORS, READERS
from advisor_hub.campaigns.errors import LinkRefused
from advisor_hub.campaigns.forms import (
    AccountsForm,
    CampaignForm,
    ClientEventForm,
    PreferencesForm,
    StepForm,
)
from advisor_hub.campaigns.models import CampaignState, MemberState
from advisor_hub.db import get_session
from advisor_hub.errors import NotFound
from advisor_hub.extensions import csrf
from advisor_hub.i18n import LANGUAGE_LABELS, LANGUAGES
from advisor_hub.navigation import NavItem
from advisor_hub.publishing import services as publishing
from advisor_hub.roles import ROLE_LABELS, Role
from advisor_hub.security import roles_required
from advisor_hub.web import unit_of_work

bp = Blueprint("campaigns", __name__, template_folder="templates", url_prefix="/campaigns")

NAV = (
    NavItem("campaigns.mine", _l("Campaigns"), (Role.ADVISOR,),
            _l("Campaigns you are invited to: see what they would publish, opt in."), 23),
    NavItem("campaigns.calendar", _l("My calendar"), (Role.ADVISOR,),
            _l("Your scheduled and published posts, by month or week."), 24),
    NavItem("campaigns.client_events", _l("My clients' events"), (Role.ADVISOR,),
            _l("Your clients' upcoming weddings, births, new jobs: suggested when they near."),
            25),
    NavItem("campaigns.manage", _l("Campaigns"), (Role.MARKETING,),
            _l("Schedules of approved library posts that advisors opt into."), 35),
    NavItem("campaigns.adoption", _l("Campaign adoption"), (Role.MARKETING, Role.ADMIN),
            _l("Invited, linked, posting, active: the adoption funnel and campaign "
               "reach."), 36),
)


@bp.app_template_global("suggested_for_you")
def suggested_for_you(limit: int = 3, language: str = "") -> list[recommend.Suggestion]:
    """The home page's and the library's "Suggested for you" (advisors only; on the library,
    in the language its list shows)."""
    if not current_user.is_authenticated or not current_user.has_role(Role.ADVISOR):
        return []
    return recommend.suggestions_for(get_session(), current_user, limit=limit,
                                     with_events=True, language=language)


@bp.app_template_global("campaign_adoption")
def campaign_adoption(branch_id: int | None) -> reporting.Adoption:
    """The adoption dashboard's campaign figures, in the dashboard's scope (its branch)."""
    return reporting.dashboard_adoption(get_session(), actor=current_user, branch_id=branch_id)


# -- marketing -------------------------------------------------------------------------------


def _campaign_form(form: CampaignForm) -> CampaignForm:
    form.time_zone.choices = [(z, z) for z in common_time_zones()]
    form.branch_ids.choices = [(b.id, b.name) for b in list_branches(get_session())]
    form.roles.choices = [(str(r), ROLE_LABELS[r]) for r in Role if r != Role.ADVISOR]
    form.languages.choices = [(code, LANGUAGE_LABELS[code]) for code in LANGUAGES]
    return form


def _fields(form: CampaignForm) -> services.CampaignFields:
    return services.CampaignFields(
        name=form.name.data or "", goal=form.goal.data or "", start_date=form.start_date.data,
        end_date=form.end_date.data, time_mode=form.time_mode.data or "advisor",
        time_zone=form.time_zone.data or "Europe/Paris", branch_ids=form.branch_ids.data or [],
        roles=form.roles.data or [], languages=form.languages.data or [])


@bp.get("/manage")
@roles_required(*READERS)
def manage() -> str:
    return render_template("campaigns/manage.html",
                           campaigns=services.list_campaigns(get_session(), actor=current_user))


@bp.route("/manage/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new() -> Response | str:
    form = _campaign_form(CampaignForm())
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            campaign = services.create_campaign(get_session(), actor=current_user,
                                                fields=_fields(form))
        if work.done:
            flash(_("Campaign created: add its posts, then send it to compliance."), "success")
            return redirect(url_for(".detail", campaign_id=campaign.id))
    return render_template("campaigns/form.html", form=form, campaign=None)


@bp.route("/manage/<int:campaign_id>/edit", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def edit(campaign_id: int) -> Response | str:
    session = get_session()
    campaign = services.read_campaign(session, actor=current_user, campaign_id=campaign_id)
    form = _campaign_form(CampaignForm(obj=campaign if request.method == "GET" else None))
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.update_campaign(session, actor=current_user, campaign_id=campaign_id,
                                     fields=_fields(form))
        if work.done:
            flash(_("Campaign saved."), "success")
            return redirect(url_for(".detail", campaign_id=campaign_id))
    return render_template("campaigns/form.html", form=form, campaign=campaign)


def _step_form() -> StepForm:
    form = StepForm()
    page = library.list_items(get_session(), actor=current_user, status="approved",
                              per_page=200)
    form.version_id.choices = [(v.id, f"{v.title} (v{v.number}, {v.language})")
                               for v in page.items]
    return form


@bp.get("/manage/<int:campaign_id>")
@roles_required(*READERS)
def detail(campaign_id: int) -> str:
    session = get_session()
    with unit_of_work(missing_is_404=True, quiet=True):
        campaign = services.read_campaign(session, actor=current_user, campaign_id=campaign_id)
    return render_template(
        "campaigns/detail.html", campaign=campaign, confirm=ConfirmForm(),
        step_form=_step_form() if current_user.has_any_role(AUTHORS) else None,
        counts=calendar.campaign_counts(session, campaign),
        reach=reporting.reach(session, campaign), branch_names=dict(
            (b.id, b.name) for b in list_branches(session)))


@bp.post("/manage/<int:campaign_id>/steps")
@roles_required(*AUTHORS)
def add_step(campaign_id: int) -> Response | str:
    form = _step_form()
    if form.validate_on_submit():
        with unit_of_work() as work:
            services.add_step(get_session(), actor=current_user, campaign_id=campaign_id,
                              step=services.StepFields(form.version_id.data,
                                                       (form.day.data or 1) - 1,
                                                       form.send_time.data or ""))
        if work.done:
            flash(_("Post added to the campaign."), "success")
    else:
        flash(_("Choose a library post, a day and a time."), "danger")
    return redirect(url_for(".detail", campaign_id=campaign_id))


@bp.post("/manage/<int:campaign_id>/steps/<int:step_id>/delete")
@roles_required(*AUTHORS)
def remove_step(campaign_id: int, step_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        with unit_of_work(missing_is_404=True) as work:
            services.remove_step(get_session(), actor=current_user, campaign_id=campaign_id,
                                 step_id=step_id)
        if work.done:
            flash(_("Post removed from the campaign."), "success")
    return redirect(url_for(".detail", campaign_id=campaign_id))


@bp.post("/manage/<int:campaign_id>/submit")
@roles_required(*AUTHORS)
def submit(campaign_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        with unit_of_work(missing_is_404=True) as work:
            services.submit_campaign(get_session(), actor=current_user, campaign_id=campaign_id)
        if work.done:
            flash(_("Sent to compliance: the campaign is approved as a whole."), "success")
    return redirect(url_for(".detail", campaign_id=campaign_id))


@bp.post("/manage/<int:campaign_id>/end")
@roles_required(*AUTHORS)
def end(campaign_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        with unit_of_work(missing_is_404=True) as work:
            services.end_campaign(get_session(), actor=current_user, campaign_id=campaign_id)
        if work.done:
            flash(_("Campaign ended: nobody can opt in any more."), "success")
    return redirect(url_for(".detail", campaign_id=campaign_id))


@bp.get("/adoption")
@roles_required(*reporting.VIEWERS)
def adoption() -> str:
    return render_template("campaigns/adoption.html",
                           figures=reporting.adoption(get_session(), actor=current_user))


# -- advisors --------------------------------------------------------------------------------


@bp.get("/")
@roles_required(Role.ADVISOR)
def mine() -> str:
    return render_template("campaigns/mine.html",
                           campaigns=services.campaigns_for(get_session(), current_user))


def _accounts_form(session: Any, form: AccountsForm | None = None) -> AccountsForm:
    form = form or AccountsForm()
    accounts = publishing.active_accounts_of(session, current_user)
    form.account_ids.choices = [(a.id, f"{a.display_name} ({a.network})") for a in accounts]
    if request.method == "GET":
        form.account_ids.data = [a.id for a in accounts]
    return form


@bp.get("/<int:campaign_id>")
@roles_required(Role.ADVISOR)
def invitation(campaign_id: int) -> str:
    session = get_session()
    with unit_of_work(missing_is_404=True, quiet=True):
        campaign = services.visible_campaign(session, advisor=current_user,
                                             campaign_id=campaign_id)
    member = services.member_of(session, campaign_id, current_user)
    return render_template(
        "campaigns/invitation.html", campaign=campaign, member=member,
        opted_in=member is not None and member.state == MemberState.OPTED_IN,
        open=campaign.state == CampaignState.APPROVED,
        lines=services.plan(session, campaign, current_user),
        form=_accounts_form(session), confirm=ConfirmForm())


@bp.post("/<int:campaign_id>/join")
@roles_required(Role.ADVISOR)
def join(campaign_id: int) -> Response:
    session = get_session()
    form = _accounts_form(session)
    if form.validate_on_submit():
        with unit_of_work(missing_is_404=True) as work:
            result = services.opt_in(session, campaign_id=campaign_id, advisor=current_user,
                                     account_ids=form.account_ids.data or [])
        if work.done:
            flash(_("You opted in: %(n)d post(s) scheduled.", n=result.scheduled)
                  if result.scheduled or not result.already
                  else _("You had opted in already: nothing was scheduled twice."), "success")
            for title, reason in result.not_scheduled:
                flash(_("%(title)s could not be scheduled: %(reason)s", title=title,
                        reason=reason), "warning")
    else:
        flash(_("Choose at least one account."), "danger")
    return redirect(url_for(".invitation", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/leave")
@roles_required(Role.ADVISOR)
def leave(campaign_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        with unit_of_work(missing_is_404=True) as work:
            cancelled = services.leave(get_session(), campaign_id=campaign_id,
                                       advisor=current_user)
        if work.done:
            flash(_("You left the campaign; %(n)d post(s) cancelled: %(titles)s",
                    n=len(cancelled), titles=", ".join(c.title for c in cancelled) or "—"),
                  "success")
    return redirect(url_for(".invitation", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/steps/<int:step_id>/skip")
@roles_required(Role.ADVISOR)
def skip(campaign_id: int, step_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        with unit_of_work(missing_is_404=True) as work:
            services.skip_step(get_session(), campaign_id=campaign_id, step_id=step_id,
                               advisor=current_user)
        if work.done:
            flash(_("This post of the campaign is skipped."), "success")
    return redirect(url_for(".invitation", campaign_id=campaign_id))


@bp.get("/calendar", endpoint="calendar")
@roles_required(Role.ADVISOR)
def calendar_page() -> str:
    try:
        anchor = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        anchor = None
    result = calendar.advisor_calendar(get_session(), current_user,
                                       view=request.args.get("view", "month"), anchor=anchor)
    return render_template("campaigns/calendar.html", calendar=result, confirm=ConfirmForm())


@bp.route("/preferences", methods=["GET", "POST"])
@roles_required(Role.ADVISOR)
def preferences() -> Response | str:
    session = get_session()
    form = PreferencesForm()
    if request.method == "GET":
        form.digest.data = digest.is_subscribed(session, current_user)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            digest.set_subscription(session, advisor=current_user,
                                    subscribed=bool(form.digest.data))
        if work.done:
            flash(_("Preferences saved."), "success")
            return redirect(url_for(".preferences"))
    return render_template("campaigns/preferences.html", form=form)


def _event_form(form: ClientEventForm | None = None) -> ClientEventForm:
    form = form or ClientEventForm()
    language = current_user.language
    form.event_type_id.choices = [(t.id, t.label(language))
                                  for t in client_events.event_kinds(get_session())]
    return form


def _events_page(form: ClientEventForm) -> str:
    session = get_session()
    page = client_events.list_events(session, advisor=current_user,
                                     page=request.args.get("page", 1, type=int))
    kinds = {t.id: t for t in client_events.event_kinds(session)}
    return render_template("campaigns/client_events.html", page=page, form=form, kinds=kinds,
                           confirm=ConfirmForm(), today=client_events.today_for(current_user),
                           window=client_events.window_days())


@bp.get("/clients/events", endpoint="client_events")
@roles_required(Role.ADVISOR)
def client_events_page() -> str:
    return _events_page(_event_form())


@bp.post("/clients/events")
@roles_required(Role.ADVISOR)
def add_client_event() -> Response | str:
    form = _event_form()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            client_events.add_event(get_session(), advisor=current_user,
                                    client_first_name=form.client_first_name.data or "",
                                    event_type_id=form.event_type_id.data or 0,
                                    event_date=form.event_date.data)
        if work.done:
            flash(_("Event recorded: it is suggested in your home page as it nears."),
                  "success")
            return redirect(url_for(".client_events"))
    return _events_page(form)


@bp.post("/clients/events/<int:event_id>/delete")
@roles_required(Role.ADVISOR)
def delete_client_event(event_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        with unit_of_work(missing_is_404=True) as work:
            client_events.delete_event(get_session(), advisor=current_user,
                                       event_id=event_id)
        if work.done:
            flash(_("Event deleted."), "success")
    return redirect(url_for(".client_events"))


# -- the digest's links ----------------------------------------------------------------------


@bp.route("/digest/use/<token>", methods=["GET", "POST"])
@roles_required(Role.ADVISOR)
def digest_link(token: str) -> Response | tuple[str, int] | str:
    session = get_session()
    config = current_app.config
    try:
        link = digest.check_link(session, config=config, token=token, user=current_user)
    except LinkRefused as refused:
        return render_template("campaigns/link_refused.html", message=str(refused)), \
            refused.status
    form = _accounts_form(session)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            post = digest.use_link(session, config=config, token=token, user=current_user,
                                   account_ids=form.account_ids.data or [])
        if work.done:
            flash(_("Scheduled."), "success")
            return redirect(url_for("publishing.post", post_id=post.id))
        if isinstance(work.error, LinkRefused):
            return render_template("campaigns/link_refused.html",
                                   message=str(work.error)), work.error.status
    try:
        version = library.get_version_for_use(session, version_id=link.version_id,
                                              advisor=current_user)
    except NotFound as gone:
        return render_template("campaigns/link_refused.html", message=str(gone)), 410
    return render_template("campaigns/digest_confirm.html", link=link, version=version,
                           text=library.personalise(version, current_user), form=form)


@bp.route("/digest/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str) -> tuple[str, int] | str:
    """One click from the e-mail, no login (RFC 8058: mail clients POST without a form)."""
    if request.method == "GET":
        return render_template("campaigns/unsubscribe.html", token=token, done=False)
    with unit_of_work(quiet=True) as work:
        digest.unsubscribe(get_session(), config=current_app.config, token=token)
    if isinstance(work.error, LinkRefused):
        return render_template("campaigns/link_refused.html", message=str(work.error)), \
            work.error.status
    return render_template("campaigns/unsubscribe.html", token=token, done=True)
