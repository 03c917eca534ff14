"""Publishing screens: linked accounts (OAuth), the composer, "My posts". Thin views."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from advisor_hub.accounts.forms import ConfirmForm
from advisor_hub.connectors import limits
from advisor_hub.connectors.rules import DAY, Scope
from advisor_hub.db import get_session, utcnow
from advisor_hub.errors import DomainError, NotFound
from advisor_hub.navigation import NavItem
from advisor_hub.networks import (
    ADAPTERS,
    NetworkAdapter,
    NetworkError,
    ReauthNeeded,
    network_label,
    new_code_verifier,
    new_state,
)
from advisor_hub.pagination import paginate
from advisor_hub.publishing import composer, linking, reasons, services, status
from advisor_hub.publishing.connect import adapter_for, networks_available, token_cipher
from advisor_hub.publishing.forms import ComposeForm, EditForm, PageChoiceForm, RescheduleForm
from advisor_hub.publishing.models import PostState
from advisor_hub.roles import Role
from advisor_hub.security import roles_required
from advisor_hub.web import page_arg, unit_of_work

bp = Blueprint("publishing", __name__, template_folder="templates", url_prefix="/publishing",
               cli_group=None)

# The navigation entries of this blueprint (installed by its Feature).
NAV = (
    NavItem("publishing.compose", _l("Compose"), (Role.ADVISOR,),
            _l("Publish a library post, a life-event message or your own text."), 20),
    NavItem("publishing.posts", _l("My posts"), (Role.ADVISOR,),
            _l("Your posts and where each one stands on each network."), 21),
    NavItem("publishing.accounts", _l("My accounts"), (Role.ADVISOR,),
            _l("Link your LinkedIn, Facebook Page, X or Sandbox accounts."), 22),
)

OAUTH_KEY = "publishing_oauth"
FACEBOOK_KEY = "publishing_facebook_user_token"


def _adapter(network: str) -> NetworkAdapter:
    if network not in ADAPTERS:
        abort(404)
    return adapter_for(current_app.config, network, redirect_uri=lambda name: url_for(
        "publishing.callback", network=name, _external=True))


# -- linked accounts -----------------------------------------------------------------------------


@bp.get("/accounts")
@roles_required(Role.ADVISOR)
def accounts() -> str:
    available = networks_available(current_app.config)
    networks = [(name, cls.label, name in available) for name, cls in ADAPTERS.items()]
    return render_template("publishing/accounts.html", networks=networks,
                           accounts=services.accounts_of(get_session(), current_user),
                           confirm=ConfirmForm())


@bp.get("/accounts/link/<network>")
@roles_required(Role.ADVISOR)
def link(network: str) -> Response:
    if network not in networks_available(current_app.config):
        flash(_("%(network)s is not available: its app credentials are not configured.",
                network=network), "warning")
        return redirect(url_for(".accounts"))
    adapter = _adapter(network)
    state = new_state()
    verifier = new_code_verifier() if adapter.uses_pkce or network != "facebook" else None
    session[OAUTH_KEY] = {"network": network, "state": state, "verifier": verifier}
    return redirect(adapter.authorization_url(state, verifier))


def _failure_kind(error: NetworkError) -> str:
    """The failure class a linking error reads as (for the advice shown instead of the
    network's words)."""
    return "reauth" if isinstance(error, ReauthNeeded) else "permanent"


@bp.get("/accounts/callback/<network>")
@roles_required(Role.ADVISOR)
def callback(network: str) -> Response:
    pending = session.pop(OAUTH_KEY, None)
    if not pending or pending.get("network") != network:
        flash(_("That link attempt expired; start again."), "warning")
        return redirect(url_for(".accounts"))
    adapter = _adapter(network)
    cipher = token_cipher(current_app.config)
    try:
        tokens = adapter.complete_authorization(request.url, pending["state"],
                                                pending.get("verifier"))
        profile = adapter.fetch_profile(tokens)
    except NetworkError as error:
        flash(_("Linking failed: %(reason)s",
                reason=reasons.reason_text(network, error.message or str(error),
                                           _failure_kind(error))), "danger")
        return redirect(url_for(".accounts"))
    if network == "facebook":
        session[FACEBOOK_KEY] = cipher.encrypt_tokens(tokens)  # encrypted, never plain
        return redirect(url_for(".facebook_pages"))
    return _save_link(network, profile.accounts[0], tokens)


def _save_link(network: str, account: Any, tokens: Any) -> Response:
    db = get_session()
    with unit_of_work() as work:
        linked = services.link_account(db, user=current_user, network=network,
                                       account=account, tokens=tokens,
                                       cipher=token_cipher(current_app.config))
    if not work.done:
        return redirect(url_for(".accounts"))
    if linked.status == "pending_approval":
        flash(_("%(name)s is linked and waits for compliance approval.",
                name=linked.display_name), "success")
    else:
        flash(_("%(name)s is linked again.", name=linked.display_name), "success")
    return redirect(url_for(".accounts"))


@bp.route("/accounts/facebook/pages", methods=["GET", "POST"])
@roles_required(Role.ADVISOR)
def facebook_pages() -> Response | str:
    ciphertext = session.get(FACEBOOK_KEY)
    if not ciphertext:
        return redirect(url_for(".accounts"))
    adapter = _adapter("facebook")
    tokens = token_cipher(current_app.config).decrypt_tokens(ciphertext)
    try:
        pages = adapter.fetch_profile(tokens).accounts
    except NetworkError as error:
        flash(_("Linking failed: %(reason)s",
                reason=reasons.reason_text("facebook", error.message or str(error),
                                           _failure_kind(error))), "danger")
        return redirect(url_for(".accounts"))
    form = PageChoiceForm()
    form.page_id.choices = [(p.external_id, p.name) for p in pages]
    if not pages:
        flash(_("You manage no Facebook Page; only Pages can be linked."), "warning")
        session.pop(FACEBOOK_KEY, None)
        return redirect(url_for(".accounts"))
    if form.validate_on_submit():
        session.pop(FACEBOOK_KEY, None)
        page = next(p for p in pages if p.external_id == form.page_id.data)
        return _save_link("facebook", page, page.token or tokens)
    return render_template("publishing/facebook_pages.html", form=form)


@bp.post("/accounts/<int:account_id>/unlink")
@roles_required(Role.ADVISOR)
def unlink(account_id: int) -> Response:
    db = get_session()
    try:
        account = services.own_account(db, current_user, account_id)
    except NotFound:
        abort(404)
    adapter = _adapter(account.network)
    with unit_of_work() as work:
        unlinked = services.unlink_account(db, account_id=account_id, actor=current_user,
                                           adapter=adapter,
                                           cipher=token_cipher(current_app.config))
    if not work.done:
        return redirect(url_for(".accounts"))
    flash(_("%(name)s is unlinked.", name=account.display_name), "success")
    network = network_label(account.network)
    if unlinked.revocation == linking.REVOKE_FAILED:
        flash(_("%(network)s did not confirm that Advisor Hub's access was removed: you can "
                "remove the app in your %(network)s settings.", network=network), "warning")
    elif unlinked.revocation == linking.GRANT_SHARED:
        flash(_("Advisor Hub keeps its %(network)s access: other linked accounts use the same "
                "%(network)s login.", network=network), "info")
    if unlinked.cancelled:
        flash(_("These scheduled posts were cancelled: %(posts)s",
                posts=", ".join(f"#{t.post_id}" for t in unlinked.cancelled)), "warning")
    return redirect(url_for(".accounts"))


# -- composer ------------------------------------------------------------------------------------


def _when(form: Any) -> tuple[bool, datetime | None]:
    return form.when_mode.data == "now", form.when.data


def _zone() -> ZoneInfo:
    try:
        return ZoneInfo(current_user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _when_defaults(form: Any, post: Any) -> None:
    """Reschedule and Edit start from the post's current intent: its time (in the
    advisor's zone) when it has one still ahead; "now" only for a post sent "now"."""
    if post.publish_now and post.state != PostState.APPROVED:
        form.when_mode.data = "now"
        return
    form.when_mode.data = "later"
    if post.scheduled_at is not None and post.scheduled_at > utcnow():
        form.when.data = post.scheduled_at.astimezone(_zone()).replace(tzinfo=None,
                                                                       microsecond=0)


@bp.app_template_global("when_words")
def when_words(value: datetime) -> str:
    """An instant as a sentence says it, in the reader's zone: "3 Dec at 09:00" (with the
    year when it is not this one)."""
    local = value.astimezone(_zone())
    pattern = "d MMM" if local.year == utcnow().astimezone(_zone()).year else "d MMM y"
    return _("%(day)s at %(time)s", day=format_date(local.date(), pattern),
             time=f"{local:%H:%M}")


@bp.app_template_global("target_reason")
def target_reason(target: Any) -> str:
    """Why an outbox row did not go out, in the reader's language (never the network's raw
    words)."""
    return reasons.reason_text(target.network, target.last_error, target.failure_class)


@bp.app_template_global("standing_of")
def standing_of(post: Any) -> status.Standing:
    """Where a post stands now (the templates say it with ``say``)."""
    return status.post_standing(post, utcnow())


def _said(post: Any) -> str:
    """What just happened to a post, for the flash after composing or rescheduling."""
    standing = status.post_standing(post, utcnow())
    if standing.phrase == status.Phrase.IN_REVIEW:
        return _("Sent to compliance for review.")
    if standing.phrase == status.Phrase.PUBLISHED:
        return _("Published.")
    if standing.phrase == status.Phrase.SCHEDULED and standing.when is not None:
        return _("Scheduled for %(when)s.", when=when_words(standing.when))
    return _("Sending… this page shows when it is published.")


def quota_notes(accounts: Any) -> dict[int, str]:
    """For each account whose posting quota is full: when a post would actually go out, in
    the reader's time zone ("will go out at about 14:05 (LinkedIn's daily limit for this
    account is reached)")."""
    db, now, notes = get_session(), utcnow(), {}
    for account in accounts:
        wait = limits.quota_wait(db, account.id, account.network, now,
                                 config=current_app.config)
        if wait is None:
            continue
        local = wait.at.astimezone(_zone())
        time = (f"{local:%H:%M}" if local.date() == now.astimezone(_zone()).date()
                else short_when(local))
        network = ADAPTERS[account.network].label
        if wait.limit.scope == Scope.APP:
            note = _("will go out at about %(time)s (%(network)s's limit for this portal is "
                     "reached)", time=time, network=network)
        elif wait.limit.window == DAY:
            note = _("will go out at about %(time)s (%(network)s's daily limit for this "
                     "account is reached)", time=time, network=network)
        else:
            note = _("will go out at about %(time)s (%(network)s's posting limit for this "
                     "account is reached)", time=time, network=network)
        notes[account.id] = note
    return notes


@bp.app_template_global("short_when")
def short_when(value: datetime) -> str:
    """A wall-clock time as the buttons say it: "14 Jan, 09:00" (with the year when it is
    not this one), in the reader's language; js/when.js writes it the same way."""
    pattern = "d MMM" if value.year == utcnow().astimezone(_zone()).year else "d MMM y"
    return f"{format_date(value.date(), pattern)}, {value:%H:%M}"


@bp.route("/compose", methods=["GET", "POST"])
@roles_required(Role.ADVISOR)
def compose() -> Response | str:
    db = get_session()
    form = ComposeForm()
    offered = networks_available(current_app.config)
    # The Sandbox is a development network: where it is not offered (not mounted, not
    # configured) its accounts cannot be chosen either.
    active = [a for a in services.active_accounts_of(db, current_user)
              if a.network != "sandbox" or "sandbox" in offered]
    form.account_ids.choices = [(a.id, f"{a.display_name} ({ADAPTERS[a.network].label})")
                                for a in active]
    # The client's first name arrives by POST (the life-event page's "Publish" button sends
    # it with ``prefill``), never in the URL.
    prefill = request.method == "POST" and request.form.get("prefill") == "1"
    version_id = request.args.get("version_id", type=int) or form.version_id.data
    template_id = request.args.get("template_id", type=int) or form.template_id.data
    client = form.client_first_name.data
    source = None
    try:
        source = composer.load_source(db, advisor=current_user, version_id=version_id,
                                      template_id=template_id, client_first_name=client)
    except NotFound:
        abort(404)
    except DomainError as error:
        if request.method == "GET" or prefill:
            flash(str(error), "warning")
    if request.method == "GET" or prefill:
        form.version_id.data, form.template_id.data = version_id, template_id
        form.client_first_name.data = client
        if source is not None and source.text:
            form.text.data = source.text
        if len(active) == 1:  # the only account is the one meant
            form.account_ids.data = [active[0].id]
    if not prefill and form.validate_on_submit():
        publish_now, when = _when(form)
        with unit_of_work(form) as work:
            post = services.compose_post(
                db, author=current_user, body=form.text.data or "",
                link_url=form.link_url.data, account_ids=form.account_ids.data or [],
                publish_now=publish_now, when_local=when, version_id=version_id,
                template_id=template_id, client_first_name=client)
        if work.done:
            flash(_said(post), "success")
            return redirect(url_for(".post", post_id=post.id))
    return render_template("publishing/compose.html", form=form, source=source,
                           accounts=active, limits=composer.char_limits(),
                           quota=quota_notes(active))


@bp.get("/compose/preview")
@roles_required(Role.ADVISOR)
def preview() -> Response:
    """The post per chosen network as it will be shown: the exact text (disclosures
    included) and its count, the feed's "…see more" fold, the link card or the image."""
    db = get_session()
    ids = request.args.getlist("account_id", type=int)
    networks = sorted({a.network for a in services.active_accounts_of(db, current_user)
                       if a.id in ids})
    text = request.args.get("text", "")
    link_url = request.args.get("link_url") or None
    category, with_media, media_url = None, False, None
    version_id = request.args.get("version_id", type=int)
    if version_id:
        try:
            source = composer.load_source(db, advisor=current_user, version_id=version_id)
        except DomainError:
            abort(404)
        link_url, category = source.link_url, source.category
        with_media, media_url = bool(source.media_sha256), source.media_url
    try:
        exact = composer.exact_text(db, text.strip(), networks, category)
    except Exception:  # the disclosures are unavailable: show the bare text
        exact = text.strip()
    previews = [composer.preview_for(n, exact, link_url, with_media) for n in networks]
    return jsonify([{"network": p.network, "label": p.label, "text": p.text, "count": p.count,
                     "limit": p.limit, "fits": p.fits, "visible": p.visible,
                     "folded": p.folded, "link_url": p.link_url, "link_host": p.link_host,
                     "media_url": media_url if p.with_media else None}
                    for p in previews])


@bp.get("/compose/screen")
@roles_required(Role.ADVISOR)
def screen() -> Response:
    """The compliance policy's findings on the text being typed, with the lexicon's advice
    (the composer asks while the advisor types; publishing screens again, as the rule)."""
    text = request.args.get("text", "")[:composer.SCREEN_MAX_CHARS]
    link_url = request.args.get("link_url") or None
    try:
        findings = composer.screen_while_typing(get_session(), text, link_url)
    except DomainError:
        abort(400)
    return jsonify({"blocked": any(f.blocks for f in findings),
                    "findings": [f.as_json() for f in findings]})


# -- my posts ------------------------------------------------------------------------------------


def _own_post(post_id: int) -> Any:
    try:
        return services.own_post(get_session(), current_user, post_id)
    except NotFound:
        abort(404)


@bp.get("/posts")
@roles_required(Role.ADVISOR)
def posts() -> str:
    db = get_session()
    page = paginate(db, services.posts_of(db, current_user), page=page_arg(), per_page=20)
    accounts = {a.id: a for a in services.accounts_of(db, current_user, include_unlinked=True)}
    return render_template("publishing/posts.html", page=page, accounts=accounts)


def _status_context(post: Any) -> dict[str, Any]:
    db = get_session()
    now = utcnow()
    return {"post": post, "confirm": ConfirmForm(),
            "accounts": {a.id: a for a in services.accounts_of(db, current_user,
                                                               include_unlinked=True)},
            "standing": status.post_standing(post, now),
            "rows": [(t, status.target_standing(t, now)) for t in post.targets],
            "in_flight": status.in_flight(post, now)}


@bp.get("/posts/<int:post_id>")
@roles_required(Role.ADVISOR)
def post(post_id: int) -> str:
    return render_template("publishing/post.html", **_status_context(_own_post(post_id)))


@bp.get("/posts/<int:post_id>/status")
@roles_required(Role.ADVISOR)
def post_status(post_id: int) -> Response:
    """Where the post stands now (the post page polls it while something is in flight)."""
    context = _status_context(_own_post(post_id))
    return jsonify({"state": str(context["post"].state), "settled": not context["in_flight"],
                    "html": render_template("publishing/_post_status.html", **context)})


@bp.post("/posts/<int:post_id>/cancel")
@roles_required(Role.ADVISOR)
def cancel(post_id: int) -> Response:
    db = get_session()
    _own_post(post_id)
    with unit_of_work() as work:
        services.cancel_post(db, post_id=post_id, actor=current_user)
    if work.done:
        flash(_("The post is cancelled."), "success")
    return redirect(url_for(".post", post_id=post_id))


@bp.route("/posts/<int:post_id>/reschedule", methods=["GET", "POST"])
@roles_required(Role.ADVISOR)
def reschedule(post_id: int) -> Response | str:
    db = get_session()
    post = _own_post(post_id)
    form = RescheduleForm()
    if request.method == "GET":
        _when_defaults(form, post)
    if form.validate_on_submit():
        publish_now, when = _when(form)
        with unit_of_work(form) as work:
            services.reschedule_post(db, post_id=post_id, actor=current_user,
                                     publish_now=publish_now, when_local=when)
        if work.done:
            flash(_said(post), "success")
            return redirect(url_for(".post", post_id=post_id))
    accounts = [a for a in services.active_accounts_of(db, current_user)
                if a.id in (post.account_ids or [])]
    return render_template("publishing/reschedule.html", form=form, post=post,
                           accounts=accounts, quota=quota_notes(accounts))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADVISOR)
def edit(post_id: int) -> Response | str:
    db = get_session()
    post = _own_post(post_id)
    form = EditForm()
    if request.method == "GET":
        form.text.data, form.link_url.data = post.body, post.link_url
        _when_defaults(form, post)
    if form.validate_on_submit():
        publish_now, when = _when(form)
        with unit_of_work(form) as work:
            new = services.edit_post(db, post_id=post_id, actor=current_user,
                                     body=form.text.data or "", link_url=form.link_url.data,
                                     publish_now=publish_now, when_local=when)
        if work.done:
            flash(_("The edited post replaces the previous one."), "success")
            return redirect(url_for(".post", post_id=new.id))
    return render_template("publishing/edit.html", form=form, post=post)
