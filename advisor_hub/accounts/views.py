"""Login/logout, the user's own preferences, and the admin screens for users and branches."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from advisor_hub.accounts import ratelimit, services, settings
from advisor_hub.accounts.forms import (
    BranchForm,
    ConfirmForm,
    LoginForm,
    PreferencesForm,
    UserCreateForm,
    UserEditForm,
    UserFormBase,
    role_choices,
)
from advisor_hub.accounts.lockout import InvalidCredentials, complete_check, reserve_check
from advisor_hub.accounts.login import end_session, start_session
from advisor_hub.accounts.models import User
from advisor_hub.db import get_session
from advisor_hub.errors import NotFound
from advisor_hub.navigation import NavItem
from advisor_hub.roles import Role
from advisor_hub.security import is_safe_next, roles_required
from advisor_hub.sso.web import require_password_allowed
from advisor_hub.web import commit, page_arg, unit_of_work

bp = Blueprint("accounts", __name__, template_folder="templates")
bp.record_once(lambda state: settings.init_app(state.app))

# The navigation entries of this blueprint (installed by its Feature).
NAV = (
    NavItem("accounts.users", _l("Users"), (Role.ADMIN,),
            _l("Create users, assign roles and branches, deactivate accounts."), 80),
    NavItem("accounts.branches", _l("Branches"), (Role.ADMIN,),
            _l("The bank's branches and how many people each has."), 81),
)


@bp.route("/login", methods=["GET", "POST"])
@ratelimit.login_per_address
@ratelimit.login_per_account
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = _check_login(form)
        if user is not None:
            start_session(user)
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("core.home"))
    return render_template("accounts/login.html", form=form)


def _check_login(form: LoginForm) -> User | None:
    """Two units of work: the attempt is counted and committed before the slow check, and
    the check's outcome (a lock, a success) is committed whatever it is."""
    session = get_session()
    with unit_of_work(form) as work:
        require_password_allowed(form.email.data)
        attempt = reserve_check(session, email=services.normalise_email(form.email.data))
    if not work.done:
        return None
    with unit_of_work(form) as work:
        verdict = complete_check(session, attempt, form.password.data, reset_link=reset_link)
        if verdict.user is not None:
            services.record_login(session, verdict.user)
    if work.done and verdict.user is None:
        form.form_errors.append(str(InvalidCredentials()))
    return verdict.user if work.done else None


@bp.post("/logout")
@login_required
def logout() -> Response:
    signed_in_by_provider = end_session(get_session(), current_user._get_current_object())
    commit()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("sso.signed_out" if signed_in_by_provider else "accounts.login"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences() -> str | Response:
    form = PreferencesForm(obj=current_user)
    form.time_zone.choices = _zone_choices(current_user.time_zone)
    if form.validate_on_submit():
        services.update_preferences(
            get_session(), actor=current_user, language=form.language.data,
            time_zone=form.time_zone.data,
        )
        commit()
        flash(_("Your preferences are saved."), "success")
        return redirect(url_for("accounts.preferences"))
    return render_template("accounts/preferences.html", form=form)


def _zone_choices(current: str | None) -> dict[str, list[tuple[str, str]]]:
    """The time zones grouped by region; a user's own zone stays choosable even when it is
    an old alias outside the list (US/Pacific)."""
    groups = services.time_zone_groups()
    if current and not any(current == zone for choices in groups.values()
                           for zone, _label in choices):
        groups[current] = [(current, current)]
    return groups


def _fill_choices(form: UserFormBase) -> None:
    form.roles.choices = role_choices()
    form.branch_id.choices = [(0, _("No branch"))] + [
        (b.id, b.name) for b in services.list_branches(get_session())
    ]
    form.time_zone.choices = _zone_choices(form.time_zone.data)


@bp.get("/admin/users")
@roles_required(Role.ADMIN)
def users() -> str:
    q = request.args.get("q", "")
    page = services.list_users(get_session(), actor=current_user, page=page_arg(), q=q)
    return render_template("accounts/users.html", page=page, q=q, confirm_form=ConfirmForm())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_new() -> str | Response:
    form = UserCreateForm(language="en", time_zone=services.DEFAULT_TIME_ZONE)
    _fill_choices(form)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            user = services.create_user(
                get_session(), actor=current_user, email=form.email.data,
                first_name=form.first_name.data, last_name=form.last_name.data,
                password=form.password.data, roles=form.roles.data,
                branch_id=form.branch_id.data or None, language=form.language.data,
                time_zone=form.time_zone.data,
            )
        if work.done:
            flash(_("User %(email)s created.", email=user.email), "success")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=None,
                           branch_zones=services.branch_time_zones(get_session()))


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_edit(user_id: int) -> str | Response:
    session = get_session()
    try:
        user = services.get_user(session, user_id)
    except NotFound:
        abort(404)
    form = UserEditForm(obj=user)
    _fill_choices(form)
    if request.method == "GET":
        form.roles.data = [str(r) for r in user.roles]
        form.branch_id.data = user.branch_id or 0
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.update_user(
                session, actor=current_user, user_id=user.id,
                first_name=form.first_name.data, last_name=form.last_name.data,
                roles=form.roles.data, branch_id=form.branch_id.data or None,
                language=form.language.data, time_zone=form.time_zone.data,
            )
        if work.done:
            flash(_("Changes to %(email)s saved.", email=user.email), "success")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=user,
                           confirm_form=ConfirmForm())


@bp.post("/admin/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
def user_set_active(user_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    with unit_of_work(missing_is_404=True) as work:
        user = services.set_user_active(get_session(), actor=current_user, user_id=user_id,
                                        active=active)
    if work.done:
        flash(_("%(email)s reactivated.", email=user.email) if active
              else _("%(email)s deactivated: they can no longer log in.", email=user.email),
              "success")
    return redirect(url_for("accounts.users"))


@bp.route("/admin/branches", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def branches() -> str | Response:
    session = get_session()
    form = BranchForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            branch = services.create_branch(session, actor=current_user,
                                            name=form.name.data, city=form.city.data or "",
                                            code=form.code.data)
        if work.done:
            flash(_("Branch %(name)s created.", name=branch.name), "success")
            return redirect(url_for("accounts.branches"))
    rows = services.branch_overview(session, actor=current_user)
    return render_template("accounts/branches.html", form=form, rows=rows)


def reset_link(user_id: int, token: str) -> str:
    """The absolute address of a reset link, on PASSWORD_RESET_BASE_URL when set (else on
    this request's host, which TRUSTED_HOSTS must restrict: a forged Host header must not
    put an attacker's site in a reset e-mail)."""
    path = url_for("accounts.password_reset", user_id=user_id, token=token)
    base = str(current_app.config.get("PASSWORD_RESET_BASE_URL") or "").rstrip("/")
    return f"{base}{path}" if base else url_for("accounts.password_reset", user_id=user_id,
                                                 token=token, _external=True)


from advisor_hub.accounts import password_views  # noqa: E402,F401  (its routes are on bp)
