"""The Sandbox's endpoints: its pages, OAuth 2 (authorize, token, revoke), the post API, and
the ``/_control`` endpoints the tests and benchmarks use to inject faults and read counters.

Comments (``comments.py``) play Facebook's Graph API shapes: a post's comments, a reply to a
comment, hiding a comment; the post page is the "client" view where anyone comments.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.datastructures import MultiDict

from advisor_hub.networks.sandbox import CHAR_LIMIT
from advisor_hub.security import CONTENT_SECURITY_POLICY

from .protocol import (
    bearer,
    client_from_request,
    fault_after,
    fault_before,
    get_state,
    image_from,
    json_error,
    pkce_ok,
    post_json,
    post_url,
    redirect_allowed,
    retired_version_response,
    with_params,
)
from .state import Grant, valid_login

bp = Blueprint("sandbox", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")

SCOPES = "profile posts.write"
AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state",
                    "code_challenge", "code_challenge_method")


def _control_enabled() -> None:
    if not current_app.config["ENABLE_CONTROL"]:
        abort(404)


# -- pages --------------------------------------------------------------------------------


@bp.get("/")
def index() -> str:
    state = get_state()
    with state.lock:
        counts: dict[str, int] = {}
        for post in state.posts:
            counts[post.account_id] = counts.get(post.account_id, 0) + 1
        profiles = list(state.profiles.values())
    return render_template("sandbox/index.html", profiles=profiles, counts=counts)


@bp.get("/accounts/<account_id>")
def account_page(account_id: str) -> str:
    state = get_state()
    profile = state.profiles.get(account_id)
    posts = state.posts_for(account_id)
    if profile is None and not posts:
        abort(404)
    return render_template("sandbox/account.html", profile=profile, posts=posts,
                           account_id=account_id)


@bp.get("/avatars/<account_id>.svg")
def avatar(account_id: str) -> Response:
    profile = get_state().profiles.get(account_id)
    name = profile.name if profile else account_id
    initials = "".join(w[0] for w in name.split()[:2]).upper() or "?"
    color = hashlib.sha256(account_id.encode()).hexdigest()[:6]
    svg = render_template("sandbox/avatar.svg", color=color, initials=initials)
    return Response(svg, mimetype="image/svg+xml")


# -- OAuth 2 ------------------------------------------------------------------------------


def _authorize_redirect(params: dict[str, str], login: str, decision: str) -> Response:
    state = get_state()
    client = state.clients[params["client_id"]]
    redirect_uri = params["redirect_uri"]
    extra = {"state": params["state"]} if params.get("state") else {}
    if decision != "approve":
        return redirect(with_params(redirect_uri, {"error": "access_denied", **extra}))
    if not valid_login(login):
        abort(400, "login: lower-case letters, digits, dot, dash, underscore")
    profile = state.profile_for_login(login)
    grant = Grant(client.client_id, profile.id, params.get("scope") or SCOPES)
    code = state.issue_code(
        grant, redirect_uri, params.get("code_challenge"), params.get("code_challenge_method")
    )
    return redirect(with_params(redirect_uri, {"code": code, **extra}))


def _authorize_params(source: MultiDict[str, str]) -> tuple[dict[str, str], Response | None]:
    """The authorization request's parameters, or the answer refusing it."""
    params = {key: source.get(key, "") for key in AUTHORIZE_PARAMS}
    client = get_state().clients.get(params["client_id"])
    if client is None:
        return params, Response("Unknown client_id", status=400, mimetype="text/plain")
    if not redirect_allowed(client, params["redirect_uri"]):
        return params, Response("redirect_uri not allowed", status=400, mimetype="text/plain")
    extra = {"state": params["state"]} if params["state"] else {}
    problem = None
    if params["response_type"] != "code":
        problem = ("unsupported_response_type", "only response_type=code")
    elif params["code_challenge"] and params["code_challenge_method"] not in ("S256", "plain"):
        problem = ("invalid_request", "code_challenge_method must be S256")
    elif not params["code_challenge"] and current_app.config["REQUIRE_PKCE"]:
        problem = ("invalid_request", "PKCE code_challenge required")
    if problem:
        return params, redirect(with_params(
            params["redirect_uri"],
            {"error": problem[0], "error_description": problem[1], **extra}))
    return {k: v for k, v in params.items() if v}, None


def consent_policy(redirect_uri: str) -> str:
    """The portal's CSP, except that the consent form may also lead to the client's
    (validated) redirect URI: browsers apply ``form-action`` to the redirect after a POST."""
    parts = urlsplit(redirect_uri)
    origin = f"{parts.scheme}://{parts.netloc}"
    return "; ".join(f"form-action 'self' {origin}" if d.startswith("form-action") else d
                     for d in CONTENT_SECURITY_POLICY.split("; "))


@bp.get("/oauth/authorize")
def authorize() -> Response | str:
    stop, _ = fault_before("authorize")
    if stop is not None:
        return stop
    params, problem = _authorize_params(request.args)
    if problem is not None:
        return problem
    if request.args.get("auto") == "1":
        return _authorize_redirect(params, request.args.get("login", "alice"), "approve")
    with get_state().lock:
        profiles = list(get_state().profiles.values())
    response = Response(render_template(
        "sandbox/consent.html", client_id=params["client_id"],
        scope=params.get("scope") or SCOPES, hidden=params, profiles=profiles))
    response.headers["Content-Security-Policy"] = consent_policy(params["redirect_uri"])
    return response


@bp.post("/oauth/authorize")
def authorize_submit() -> Response:
    params, problem = _authorize_params(request.form)
    if problem is not None:
        return problem
    return _authorize_redirect(
        params, request.form.get("login", ""), request.form.get("decision", "deny")
    )


@bp.post("/oauth/token")
def token() -> Response:
    stop, late = fault_before("token")
    if stop is not None:
        return stop
    client = client_from_request()
    if client is None:
        response = json_error(401, "invalid_client", "unknown client or wrong secret")
        response.headers["WWW-Authenticate"] = 'Basic realm="sandbox"'
        return response
    state = get_state()
    grant_type = request.form.get("grant_type")
    if grant_type == "authorization_code":
        record = state.take_code(request.form.get("code", ""))
        if record is None or record.grant.client_id != client.client_id:
            return json_error(400, "invalid_grant", "unknown, used or expired code")
        if record.redirect_uri != request.form.get("redirect_uri"):
            return json_error(400, "invalid_grant", "redirect_uri does not match")
        if not pkce_ok(request.form.get("code_verifier"), record.code_challenge,
                       record.code_challenge_method):
            return json_error(400, "invalid_grant", "PKCE verification failed")
        tokens = state.issue_tokens(record.grant)
    elif grant_type == "refresh_token":
        refreshed = state.rotate_refresh_token(request.form.get("refresh_token", ""),
                                               client.client_id)
        if refreshed is None:
            return json_error(400, "invalid_grant", "unknown, used or revoked refresh token")
        tokens = refreshed
    else:
        return json_error(400, "unsupported_grant_type")
    response = jsonify(tokens)
    response.headers["Cache-Control"] = "no-store"
    return fault_after(late, response)


@bp.post("/oauth/revoke")
def revoke() -> Response:
    stop, late = fault_before("revoke")
    if stop is not None:
        return stop
    client = client_from_request()
    if client is None:
        return json_error(401, "invalid_client")
    get_state().revoke(request.form.get("token", ""), client.client_id)
    return fault_after(late, Response(status=200))


# -- API ----------------------------------------------------------------------------------


@bp.get("/api/me")
def me() -> Response:
    stop, late = fault_before("me")
    if stop is not None:
        return stop
    record, problem = bearer()
    if problem is not None:
        return problem
    assert record is not None
    profile = get_state().profiles[record.grant.profile_id]
    return fault_after(late, jsonify({
        "id": profile.id,
        "login": profile.login,
        "name": profile.name,
        "headline": profile.headline,
        "profile_url": url_for(".account_page", account_id=profile.id, _external=True),
        "picture_url": url_for(".avatar", account_id=profile.id, _external=True),
    }))


@bp.post("/api/posts")
def publish() -> Response:
    stop, late = fault_before("publish")
    if stop is not None:
        return stop
    version = request.headers.get("Sandbox-Version")
    if version is not None and version in get_state().retired_versions:
        return retired_version_response(version)
    record, problem = bearer()
    if problem is not None:
        return problem
    assert record is not None
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return json_error(400, "invalid_request", "JSON object expected")
    account_id = data.get("account_id")
    text = data.get("text")
    link = data.get("link") or None
    key = data.get("idempotency_key") or request.headers.get("Idempotency-Key") or None
    if account_id != record.grant.profile_id:
        return json_error(403, "forbidden", "this token cannot post for that account")
    if not isinstance(text, str) or not text.strip():
        return json_error(422, "invalid_content", "text is required")
    if len(text) > CHAR_LIMIT:
        return json_error(422, "invalid_content", f"text longer than {CHAR_LIMIT} characters")
    if link is not None and (
        not isinstance(link, str) or urlsplit(link).scheme not in ("http", "https")
    ):
        return json_error(422, "invalid_content", "link must be an http(s) URL")
    image, refused = image_from(data.get("image"))
    if refused is not None:
        return refused
    state = get_state()
    if state.post_latency:
        time.sleep(state.post_latency)  # a slow network (benchmarks)
    post, created = state.create_post(
        account_id, text, link, key,
        image_sha256=image[0] if image else None,
        image_size=image[1] if image else None,
    )
    if not created:
        return fault_after(late, json_error(409, "duplicate", "already posted", id=post.id,
                                            url=post_url(post)))
    response = jsonify({"id": post.id, "url": post_url(post)})
    response.status_code = 201
    return fault_after(late, response)


@bp.get("/api/posts")
def lookup() -> Response:
    stop, late = fault_before("lookup")
    if stop is not None:
        return stop
    record, problem = bearer()
    if problem is not None:
        return problem
    assert record is not None
    key = request.args.get("idempotency_key")
    if not key:
        return json_error(400, "invalid_request", "idempotency_key is required")
    posts = get_state().find_posts(record.grant.profile_id, key)
    return fault_after(late, jsonify({"posts": [post_json(p) for p in posts]}))


# -- fault injection and counters -----------------------------------------------------------


@bp.post("/_control/faults")
def add_fault() -> Response:
    """JSON ``{"endpoint", "kind", "count", "status", "retry_after", "http_date",
    "seconds"}``; endpoint one of authorize, token, revoke, me, publish, lookup, *."""
    _control_enabled()
    data: dict[str, Any] = request.get_json(silent=True) or {}
    params = {k: data[k] for k in ("status", "retry_after", "http_date", "seconds") if k in data}
    try:
        get_state().add_fault(data.get("endpoint", ""), data.get("kind", ""),
                              int(data.get("count", 1)), **params)
    except (TypeError, ValueError) as exc:
        return json_error(400, "invalid_request", str(exc))
    return jsonify(get_state().stats()["faults_pending"])


@bp.delete("/_control/faults")
def clear_faults() -> Response:
    _control_enabled()
    get_state().clear_faults()
    return jsonify({})


@bp.get("/_control/stats")
def stats() -> Response:
    _control_enabled()
    return jsonify(get_state().stats())


@bp.get("/_control/posts")
def all_posts() -> Response:
    _control_enabled()
    with get_state().lock:
        posts = list(get_state().posts)
    return jsonify({"posts": [post_json(p) for p in posts]})


@bp.post("/_control/comments")
def add_comment() -> Response:
    """JSON ``{"post_id", "message", "author_name", "author_id", "parent_id"}``: a client's
    comment, as if typed in the client view (tests)."""
    _control_enabled()
    data: dict[str, Any] = request.get_json(silent=True) or {}
    name = str(data.get("author_name") or "Claire Petit")
    try:
        comment = get_state().add_comment(
            str(data.get("post_id", "")), str(data.get("author_id") or "sbx-client-claire"),
            name, str(data.get("message", "")), parent_id=data.get("parent_id") or None)
    except KeyError as exc:
        return json_error(404, "not_found", f"unknown {exc}")
    return jsonify({"id": comment.id})


@bp.delete("/_control/comments/<comment_id>")
def delete_comment(comment_id: str) -> Response:
    _control_enabled()
    if not get_state().delete_comment(comment_id):
        return json_error(404, "not_found")
    return jsonify({"ok": True})


@bp.post("/_control/config")
def set_config() -> Response:
    """JSON with any of post_latency, access_token_ttl, reject_duplicate_keys,
    reject_duplicate_text, duplicate_window, retired_versions (a list)."""
    _control_enabled()
    data: dict[str, Any] = request.get_json(silent=True) or {}
    state = get_state()
    with state.lock:
        for key in ("post_latency", "access_token_ttl", "duplicate_window"):
            if key in data:
                setattr(state, key, float(data[key]))
        for key in ("reject_duplicate_keys", "reject_duplicate_text"):
            if key in data:
                setattr(state, key, bool(data[key]))
        if "retired_versions" in data:
            state.retired_versions = {str(v) for v in data["retired_versions"] or ()}
    return jsonify({"ok": True})


@bp.post("/_control/reset")
def reset() -> Response:
    _control_enabled()
    get_state().reset()
    return jsonify({"ok": True})
