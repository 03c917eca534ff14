"""Connection health pages: the advisor's connections, the administrator's Operations page
(every account, app-wide holds with "resume", versions, limits, X spend). Thin views."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from advisor_hub.accounts.forms import ConfirmForm
from advisor_hub.accounts.services import list_branches
from advisor_hub.connectors import costs, health, holds
from advisor_hub.connectors.advice import HOLD_LABELS
from advisor_hub.connectors.forms import OperationsFilterForm, XPricingForm
from advisor_hub.db import get_session, utcnow
from advisor_hub.navigation import NavItem
from advisor_hub.networks import ADAPTERS, network_label
from advisor_hub.publishing.models import AccountStatus
from advisor_hub.roles import Role
from advisor_hub.security import roles_required
from advisor_hub.web import unit_of_work

bp = Blueprint("connectors", __name__, template_folder="templates", cli_group=None)

# The navigation entries of this blueprint (installed by its Feature).
NAV = (
    NavItem("connectors.connections", _l("Connection health"), (Role.ADVISOR,),
            _l("Each account's access, its end date, and what to do when a post fails."),
            23),
    NavItem("connectors.operations", _l("Operations"), (Role.ADMIN,),
            _l("Every linked account, app-wide holds, API versions, limits and X spend."),
            92),
)



@bp.get("/connections/")
@roles_required(Role.ADVISOR)
def connections() -> str:
    rows = health.my_connections(get_session(), user=current_user, config=current_app.config,
                                 now=utcnow())
    return render_template("connectors/connections.html", rows=rows,
                           network_label=network_label, hold_labels=HOLD_LABELS)


def _filter_form() -> OperationsFilterForm:
    form = OperationsFilterForm(request.args)
    form.network.choices = [("", _("All networks"))] + [
        (name, cls.label) for name, cls in ADAPTERS.items()]
    form.status.choices = [("", _("All states"))] + [(s.value, str(s.label)) for s in AccountStatus]
    form.branch.choices = [(0, _("All branches"))] + [
        (b.id, b.name) for b in list_branches(get_session())]
    return form


def _operations_page(pricing_form: XPricingForm | None = None) -> str:
    session = get_session()
    now = utcnow()
    form = _filter_form()
    form.validate()
    filters = health.AccountFilter(network=form.network.data or None,
                                   status=form.status.data or None,
                                   branch_id=form.branch.data or None)
    rows = health.all_connections(session, actor=current_user, config=current_app.config,
                                  now=now, filters=filters)
    spend = costs.spend_report(session, now)
    if pricing_form is None:
        pricing_form = XPricingForm(price_post=spend.pricing.price_post,
                                    price_post_with_link=spend.pricing.price_post_with_link,
                                    monthly_cap=spend.pricing.monthly_cap)
    return render_template(
        "connectors/operations.html", form=form, rows=rows,
        holds=holds.active_holds(session), hold_labels=HOLD_LABELS,
        versions=health.version_statuses(current_app.config, now),
        limits=health.limit_rows(current_app.config), spend=spend, pricing_form=pricing_form,
        confirm=ConfirmForm(), network_label=network_label)


@bp.get("/operations/")
@roles_required(Role.ADMIN)
def operations() -> str:
    return _operations_page()


@bp.post("/operations/holds/<int:hold_id>/resume")
@roles_required(Role.ADMIN)
def resume_hold(hold_id: int) -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work(missing_is_404=True) as work:
            holds.resume_network(get_session(), hold_id=hold_id, actor=current_user,
                                 now=utcnow())
        if work.done:
            flash(_("Resumed: the held posts go back to the outbox with their own times."),
                  "success")
    return redirect(url_for("connectors.operations"))


@bp.post("/operations/x-pricing")
@roles_required(Role.ADMIN)
def x_pricing() -> Response | str:
    form = XPricingForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            costs.set_x_pricing(get_session(), actor=current_user,
                                price_post=form.price_post.data,
                                price_post_with_link=form.price_post_with_link.data,
                                monthly_cap=form.monthly_cap.data, now=utcnow())
        if work.done:
            flash(_("X prices saved."), "success")
            return redirect(url_for("connectors.operations"))
    return _operations_page(form)
