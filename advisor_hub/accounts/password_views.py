"""Password pages: change (the current one first), forgotten (a link by e-mail), reset with
the link, and the administrator's forced reset. Routes on the accounts blueprint."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from advisor_hub.accounts import credentials, ratelimit
from advisor_hub.accounts.forms import (
    ConfirmForm,
    PasswordChangeForm,
    PasswordForgotForm,
    PasswordResetForm,
)
from advisor_hub.accounts.lockout import Refusal, reserve_check
from advisor_hub.accounts.login import IDP_KEY, RESET_REQUIRED_KEY, start_session
from advisor_hub.accounts.views import bp, reset_link
from advisor_hub.db import get_session
from advisor_hub.errors import DomainError
from advisor_hub.roles import Role
from advisor_hub.security import roles_required
from advisor_hub.sso.web import require_password_allowed
from advisor_hub.web import unit_of_work

# What a user whose administrator forced a reset may still open before choosing a password.
OPEN_BEFORE_NEW_PASSWORD = {"accounts.password_change", "accounts.logout", "core.set_language",
                            "core.healthz", "static", "bootstrap.static"}


def _valid_for() -> timedelta:
    return timedelta(minutes=int(current_app.config["PASSWORD_RESET_TOKEN_MINUTES"]))


@bp.before_app_request
def new_password_first() -> Response | None:
    """After a forced reset, the password form comes before anything else (not for a session
    signed in through the identity provider: its password is not ours to ask for)."""
    # The flag travels in the session, so pages (and error pages) need no user lookup here.
    if (not cookie_session.get(RESET_REQUIRED_KEY)
            or request.endpoint in OPEN_BEFORE_NEW_PASSWORD or not current_user.is_authenticated
            or not current_user.password_reset_required or cookie_session.get(IDP_KEY)):
        return None
    return redirect(url_for("accounts.password_change"))


@bp.route("/password/change", methods=["GET", "POST"])
@login_required
@ratelimit.login_per_address
def password_change() -> str | Response:
    user = current_user._get_current_object()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        session = get_session()
        with unit_of_work(form) as work:  # refusals that cost no password check come first
            require_password_allowed(user.email)
            credentials.check_new_password_for(user, form.new_password.data,
                                               field="new_password")
            attempt = reserve_check(session, user_id=user.id)
        if work.done:
            with unit_of_work(form) as work:
                verdict = credentials.change_password(
                    session, actor=user, attempt=attempt,
                    current_password=form.current_password.data,
                    new_password=form.new_password.data, reset_link=reset_link)
            if work.done and verdict.ok:
                start_session(user)  # every other session ended with the change
                flash(_("Your password is changed. Every other session of your account has "
                        "ended."), "success")
                return redirect(url_for("core.home"))
            if work.done and verdict.refusal in (Refusal.LOCKED, Refusal.OVER_THRESHOLD):
                logout_user()
                cookie_session.clear()
                flash(_("Your session has ended: please log in again."), "info")
                return redirect(url_for("accounts.login"))
            if work.done:
                form.current_password.errors = [_("The current password is wrong.")]
    return render_template("accounts/password_change.html", form=form,
                           forced=user.password_reset_required)


@bp.route("/password/forgot", methods=["GET", "POST"])
@ratelimit.reset_per_address
@ratelimit.reset_per_account
def password_forgot() -> str | Response:
    form = PasswordForgotForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            require_password_allowed(form.email.data)
            credentials.request_password_reset(get_session(), email=form.email.data,
                                               reset_link=reset_link, valid_for=_valid_for())
        if work.done:  # the same answer whether or not the e-mail is an account's
            flash(_("If this e-mail belongs to an account that signs in with a password, a "
                    "reset link is on its way to it. The link works once, within %(n)d "
                    "minutes.", n=int(_valid_for().total_seconds() // 60)), "info")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/password_forgot.html", form=form)


def _no_referrer(response: Response) -> Response:
    # The token is in the address: no Referer to anyone, no copy in a cache.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/password/reset/<int:user_id>/<token>", methods=["GET", "POST"])
@ratelimit.reset_per_address
def password_reset(user_id: int, token: str) -> Response:
    session = get_session()
    try:
        user = credentials.check_reset_link(session, user_id=user_id, token=token)
        require_password_allowed(user.email)
    except DomainError as error:
        return _no_referrer(current_app.make_response((render_template(
            "accounts/password_reset_invalid.html", message=str(error)), 404)))
    form = PasswordResetForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            user = credentials.reset_password(session, user_id=user_id, token=token,
                                              new_password=form.new_password.data)
        if work.done:
            # The link proved the mailbox: signing in here is what keeps someone who keeps
            # locking the account from locking its owner out.
            start_session(user)
            flash(_("Your new password is set, and every other session of your account has "
                    "ended."), "success")
            return redirect(url_for("core.home"))
    return _no_referrer(current_app.make_response(
        render_template("accounts/password_reset.html", form=form, user=user)))


@bp.post("/admin/users/<int:user_id>/password-reset")
@roles_required(Role.ADMIN)
def user_force_password_reset(user_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work(missing_is_404=True) as work:
        user = credentials.force_password_reset(
            get_session(), actor=current_user, user_id=user_id, reset_link=reset_link,
            valid_for=_valid_for())
    if work.done:
        flash(_("%(email)s must choose a new password at their next login: their sessions "
                "have ended, and a reset link was e-mailed to them.", email=user.email),
              "success")
    return redirect(url_for("accounts.user_edit", user_id=user_id))
