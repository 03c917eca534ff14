"""Sign-in through the identity provider, the provider's sign-out, and the admin screen."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from advisor_hub.accounts.login import SIGNED_OUT_IDP_KEY, start_session
from advisor_hub.db import get_session
from advisor_hub.errors import DomainError
from advisor_hub.navigation import NavItem
from advisor_hub.roles import ROLE_LABELS, Role
from advisor_hub.security import is_safe_next, roles_required
from advisor_hub.sso import services
from advisor_hub.sso.errors import InvalidIdToken, SignInFailed
from advisor_hub.sso.forms import RoleMapForm
from advisor_hub.sso.oidc import Provider
from advisor_hub.sso.rolemap import format_role_map
from advisor_hub.sso.web import sso_state
from advisor_hub.web import commit, show_error_on_form

bp = Blueprint("sso", __name__, template_folder="templates")

FLOW_KEY = "_sso_flow"
MAX_ID_TOKEN_IN_SESSION = 2500  # kept as the sign-out hint only if the cookie stays small

# The navigation entries of this blueprint (installed by its Feature).
NAV = (
    NavItem("sso.admin", _l("Single sign-on"), (Role.ADMIN,),
            _l("The identity provider and which of its groups give which roles."), 82),
)


@bp.app_context_processor
def login_options() -> dict[str, Any]:
    config = sso_state().config
    label = (_("Sign in with %(name)s", name=config.provider_name) if config.provider_name
             else _("Sign in with single sign-on"))
    return {"sso_login": {"enabled": config.oidc_enabled, "label": label,
                          "local_passwords": config.local_passwords}}


def _provider() -> Provider:
    provider = sso_state().provider
    if provider is None:
        abort(404)
    return provider


def _redirect_uri() -> str:
    return sso_state().config.redirect_uri or url_for("sso.callback", _external=True)


def _refuse(error: DomainError) -> Response:
    flash(str(error), "danger")
    return redirect(url_for("accounts.login"))


@bp.get("/sso/login")
def login() -> Response:
    provider = _provider()
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    target = request.args.get("next")
    try:
        flow = provider.authorization_request(_redirect_uri())
    except SignInFailed as error:
        return _refuse(error)
    session[FLOW_KEY] = {"state": flow.state, "nonce": flow.nonce,
                         "verifier": flow.code_verifier,
                         "next": target if is_safe_next(target) else None}
    return redirect(flow.url)


@bp.get("/sso/callback")
def callback() -> Response:
    provider = _provider()
    flow = session.pop(FLOW_KEY, None)
    state = request.args.get("state", "")
    if not isinstance(flow, dict) or not hmac.compare_digest(str(flow.get("state", "")),
                                                             state):
        return _refuse(SignInFailed(_l("This sign-in link is not valid or was already used: "
                                       "please sign in again.")))
    if request.args.get("error"):
        return _refuse(SignInFailed(_l("The identity provider did not sign you in: %(why)s",
                                       why=request.args.get("error_description")
                                       or request.args["error"])))
    config, db = sso_state().config, get_session()
    try:
        token = provider.exchange_code(code=request.args.get("code", ""),
                                       code_verifier=flow["verifier"],
                                       redirect_uri=_redirect_uri())
        claims = provider.verify_id_token(token["id_token"], nonce=flow["nonce"],
                                          access_token=token.get("access_token"))
        identity = services.identity_from_claims(
            claims, issuer=config.issuer, groups_claim=config.groups_claim,
            branch_claim=config.branch_claim, trust_email=config.trust_email)
        user = services.sign_in(db, identity=identity,
                                role_map=services.effective_role_map(db, config.role_map))
    except InvalidIdToken as error:
        db.rollback()
        return _refuse(error)
    except DomainError as error:
        commit()  # a refusal keeps its consequences: roles removed, sessions ended
        return _refuse(error)
    commit()
    id_token = token["id_token"]
    start_session(user, idp={"id_token": id_token if len(id_token) <= MAX_ID_TOKEN_IN_SESSION
                             else None})
    return redirect(flow.get("next") or url_for("core.home"))


@bp.get("/sso/signed-out")
def signed_out() -> str | Response:
    """After logging out of a session that came from the provider: offer its sign-out too."""
    idp = session.pop(SIGNED_OUT_IDP_KEY, None)
    provider = sso_state().provider
    if not idp or provider is None:
        return redirect(url_for("accounts.login"))
    url = provider.end_session_url(
        post_logout_redirect_uri=url_for("accounts.login", _external=True),
        id_token_hint=idp.get("id_token") if isinstance(idp, dict) else None,
    )
    if url is None:
        return redirect(url_for("accounts.login"))
    return render_template("sso/signed_out.html", end_session_url=url,
                           provider_name=sso_state().config.provider_name)


@bp.route("/admin/sso", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin() -> str | Response:
    config, db = sso_state().config, get_session()
    saved = services.role_map_override(db)
    form = RoleMapForm()
    if request.method == "GET":
        form.role_map.data = format_role_map(services.effective_role_map(db, config.role_map))
    if form.validate_on_submit():
        try:
            with db.begin_nested():
                services.set_role_map(db, actor=current_user,
                                      text=None if form.reset.data else form.role_map.data or "",
                                      default=config.role_map)
        except DomainError as error:
            show_error_on_form(form, error)
        else:
            commit()
            flash(_("The group-to-role map is saved; it applies at each user's next sign-in."),
                  "success")
            return redirect(url_for("sso.admin"))
    return render_template("sso/admin.html", form=form, config=config, saved=saved,
                           environment_map=format_role_map(config.role_map),
                           role_labels=ROLE_LABELS)
