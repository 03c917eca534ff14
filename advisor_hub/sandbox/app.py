"""The Sandbox WSGI app: OAuth 2 endpoints, a tiny post API, HTML pages and fault injection."""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template_string,
    request,
    url_for,
)
from markupsafe import Markup

from advisor_hub.networks.sandbox import CHAR_LIMIT, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

from .state import Client, Fault, Grant, Post, SandboxState, valid_login

DEFAULTS: dict[str, Any] = {
    "CLIENTS": {DEFAULT_CLIENT_ID: {"secret": DEFAULT_CLIENT_SECRET, "redirect_uris": None}},
    "ACCESS_TOKEN_TTL": 600,  # seconds
    "CODE_TTL": 120,
    "POST_LATENCY": 0.0,  # seconds spent "publishing" each post (benchmark: 0.1)
    "DUPLICATE_WINDOW": 86400,  # identical text for the same account within it is a duplicate
    "REJECT_DUPLICATE_KEYS": True,  # turn off to let double sends show up in /_control/stats
    "REJECT_DUPLICATE_TEXT": True,
    "REQUIRE_PKCE": True,
    "ENABLE_CONTROL": False,  # /_control/* endpoints (tests and benchmarks switch it on)
    "MAX_IMAGE_BYTES": 5 * 1024 * 1024,  # an attached image, decoded
}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/webp", "image/gif"}
SCOPES = "profile posts.write"


def create_sandbox_app(config: dict[str, Any] | None = None) -> Flask:
    """A self-contained Sandbox network; mount it under ``/sandbox`` or serve it alone."""
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    clients = [
        Client(cid, c["secret"], c.get("redirect_uris")) for cid, c in app.config["CLIENTS"].items()
    ]
    state = SandboxState(
        clients=clients,
        access_token_ttl=float(app.config["ACCESS_TOKEN_TTL"]),
        code_ttl=float(app.config["CODE_TTL"]),
        post_latency=float(app.config["POST_LATENCY"]),
        duplicate_window=float(app.config["DUPLICATE_WINDOW"]),
        reject_duplicate_keys=bool(app.config["REJECT_DUPLICATE_KEYS"]),
        reject_duplicate_text=bool(app.config["REJECT_DUPLICATE_TEXT"]),
    )
    app.extensions["sandbox"] = state
    register_routes(app)
    return app


def get_state(app: Flask | None = None) -> SandboxState:
    return (app or current_app).extensions["sandbox"]


# -- helpers ------------------------------------------------------------------------------


def _error(status: int, error: str, description: str = "", **extra: Any) -> Response:
    body = {"error": error, **extra}
    if description:
        body["error_description"] = description
    response = jsonify(body)
    response.status_code = status
    return response


def _fault_response(fault: Fault) -> Response | None:
    """The canned answer for a fault that replaces the real work, else None."""
    if fault.kind == "error":
        response = _error(fault.status or 500, "server_error", "injected fault")
    elif fault.kind == "rate_limit":
        response = _error(429, "rate_limited", "slow down")
        wait = fault.retry_after if fault.retry_after is not None else 1
        response.headers["Retry-After"] = (
            email.utils.formatdate(time.time() + wait, usegmt=True)
            if fault.http_date
            else str(int(wait))
        )
        return response
    elif fault.kind == "unauthorized":
        response = _error(401, "invalid_token", "token revoked or expired")
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    elif fault.kind == "invalid_grant":
        response = _error(400, "invalid_grant", "refresh refused")
    else:
        return None
    if fault.retry_after is not None:
        response.headers["Retry-After"] = str(int(fault.retry_after))
    return response


def _before(endpoint: str) -> tuple[Response | None, Fault | None]:
    """Apply a queued fault: an answer to return now, or a fault to finish after the work."""
    fault = get_state().take_fault(endpoint)
    if fault is None:
        return None, None
    if fault.kind == "delay":
        time.sleep(fault.seconds)
        return None, None
    if fault.kind == "accept_then_error":
        return None, fault
    return _fault_response(fault), None


def _after(fault: Fault | None, response: Response) -> Response:
    if fault is not None and fault.kind == "accept_then_error":
        return _error(fault.status or 500, "server_error", "injected fault after the work")
    return response


def _client_from_request() -> Client | None:
    """Client authentication: HTTP Basic, or client_id/client_secret in the form."""
    client_id = request.form.get("client_id")
    secret = request.form.get("client_secret")
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, _, secret = decoded.partition(":")
        client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    client = get_state().clients.get(client_id or "")
    if client is None or not hmac.compare_digest(client.secret, secret or ""):
        return None
    return client


def _redirect_allowed(client: Client, redirect_uri: str) -> bool:
    if client.redirect_uris is not None:
        return redirect_uri in client.redirect_uris
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return parts.hostname in {"127.0.0.1", "localhost", "::1", request.host.split(":")[0]}


def _with_params(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _pkce_ok(verifier: str | None, challenge: str | None, method: str | None) -> bool:
    if challenge is None:
        return not current_app.config["REQUIRE_PKCE"] and verifier is None
    if not verifier:
        return False
    if method == "plain":
        return hmac.compare_digest(verifier, challenge)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(expected, challenge)


def _bearer() -> tuple[Any, Response | None]:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None, _unauthorized("missing bearer token")
    record, why = get_state().access(header[7:].strip())
    if record is None:
        return None, _unauthorized(why)
    return record, None


def _unauthorized(description: str) -> Response:
    response = _error(401, "invalid_token", description)
    response.headers["WWW-Authenticate"] = (
        f'Bearer error="invalid_token", error_description="{description}"'
    )
    return response


def _post_url(post: Post) -> str:
    return url_for("post_page", post_id=post.id, _external=True)


def _post_json(post: Post) -> dict[str, Any]:
    return {**post.as_dict(), "url": _post_url(post)}


def _image_from(data: Any) -> tuple[tuple[str, int] | None, Response | None]:
    """The (sha256, size) of a post's optional image, or the 422 explaining why not.

    JSON ``"image": {"data": <base64>, "mime_type": "image/png", "sha256": <hex>}``; the
    Sandbox checks the bytes against the hash the client claims, keeps hash and size only.
    """
    if data is None:
        return None, None

    def refuse(description: str) -> tuple[None, Response]:
        return None, _error(422, "invalid_content", description)

    if not isinstance(data, dict) or not isinstance(data.get("data"), str):
        return refuse("image must be an object with base64 data")
    if data.get("mime_type") not in IMAGE_TYPES:
        return refuse(f"image mime_type must be one of {', '.join(sorted(IMAGE_TYPES))}")
    try:
        raw = base64.b64decode(data["data"], validate=True)
    except (binascii.Error, ValueError):
        return refuse("image data is not valid base64")
    if not raw:
        return refuse("image is empty")
    if len(raw) > current_app.config["MAX_IMAGE_BYTES"]:
        return refuse(f"image larger than {current_app.config['MAX_IMAGE_BYTES']} bytes")
    digest = hashlib.sha256(raw).hexdigest()
    claimed = data.get("sha256")
    if claimed is not None and (not isinstance(claimed, str) or claimed.lower() != digest):
        return refuse("image sha256 does not match its bytes")
    return (digest, len(raw)), None


def _control_enabled() -> None:
    if not current_app.config["ENABLE_CONTROL"]:
        abort(404)


# -- pages --------------------------------------------------------------------------------

LAYOUT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ title }} · Sandbox</title><style>
body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}
.post{border:1px solid #ddd;border-radius:.5rem;padding:.75rem 1rem;margin:.75rem 0}
.meta{color:#666;font-size:.85rem} label{display:block;margin:.4rem 0}
button{padding:.4rem 1rem;margin-right:.5rem}</style></head><body>
<p class="meta"><a href="{{ url_for('index') }}">Sandbox network</a> (local stand-in,
nothing here leaves this machine)</p>{{ body }}</body></html>"""


def _page(title: str, body_template: str, **context: Any) -> str:
    # The body is rendered (and escaped) already: mark it safe so it is not escaped twice.
    body = Markup(render_template_string(body_template, **context))
    return render_template_string(LAYOUT, title=title, body=body)


INDEX = """<h1>Sandbox network</h1>
<p>Accounts that have been used here:</p><ul>
{% for p in profiles %}<li><a href="{{ url_for('account_page', account_id=p.id) }}">{{ p.name }}</a>
 ({{ counts.get(p.id, 0) }} posts)</li>{% endfor %}</ul>"""

CONSENT = """<h1>Authorize {{ client_id }}?</h1>
<p>The app asks to read your profile and publish posts (<code>{{ scope }}</code>).</p>
<form method="post" action="{{ url_for('authorize_submit') }}">
{% for name, value in hidden.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}<p>Sign in as:</p>
{% for p in profiles %}<label><input type="radio" name="login" value="{{ p.login }}"
{% if loop.first %}checked{% endif %}> {{ p.name }} <span class="meta">{{ p.headline }}</span>
</label>{% endfor %}
<p><button name="decision" value="approve">Authorize</button>
<button name="decision" value="deny">Cancel</button></p></form>"""

ACCOUNT = """<h1>{{ profile.name if profile else account_id }}</h1>
<p class="meta">{{ profile.headline if profile else "" }}</p>
{% for post in posts %}<div class="post" id="{{ post.id }}"><div>{{ post.text }}</div>
{% if post.link %}<p><a href="{{ post.link }}" rel="nofollow noopener">{{ post.link }}</a></p>
{% endif %}{% if post.image_sha256 %}<p class="meta image" title="sha256 {{ post.image_sha256 }}">
image: {{ post.image_sha256[:12] }} ({{ post.image_size }} bytes)</p>{% endif %}
<div class="meta"><a href="{{ url_for('post_page', post_id=post.id) }}">{{ post.id }}</a> ·
{{ post.created_at.strftime("%Y-%m-%d %H:%M:%S UTC") }}</div></div>
{% else %}<p>Nothing posted yet.</p>{% endfor %}"""

AVATAR = """<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">
<rect width="96" height="96" rx="48" fill="#{color}"/><text x="48" y="60" font-size="36"
text-anchor="middle" fill="#fff" font-family="sans-serif">{initials}</text></svg>"""


def register_routes(app: Flask) -> None:  # noqa: C901 - a table of small handlers
    @app.get("/")
    def index() -> str:
        state = get_state()
        with state.lock:
            counts: dict[str, int] = {}
            for post in state.posts:
                counts[post.account_id] = counts.get(post.account_id, 0) + 1
            profiles = list(state.profiles.values())
        return _page("Sandbox", INDEX, profiles=profiles, counts=counts)

    @app.get("/accounts/<account_id>")
    def account_page(account_id: str) -> str:
        state = get_state()
        profile = state.profiles.get(account_id)
        posts = state.posts_for(account_id)
        if profile is None and not posts:
            abort(404)
        return _page(
            profile.name if profile else account_id,
            ACCOUNT,
            profile=profile,
            posts=posts,
            account_id=account_id,
        )

    @app.get("/posts/<post_id>")
    def post_page(post_id: str) -> str:
        post = get_state().get_post(post_id)
        if post is None:
            abort(404)
        profile = get_state().profiles.get(post.account_id)
        return _page(post.id, ACCOUNT, profile=profile, posts=[post], account_id=post.account_id)

    @app.get("/avatars/<account_id>.svg")
    def avatar(account_id: str) -> Response:
        profile = get_state().profiles.get(account_id)
        name = profile.name if profile else account_id
        initials = "".join(w[0] for w in name.split()[:2]).upper() or "?"
        color = hashlib.sha256(account_id.encode()).hexdigest()[:6]
        svg = AVATAR.format(color=color, initials=initials.replace("<", "").replace("&", ""))
        return Response(svg, mimetype="image/svg+xml")

    # -- OAuth 2 --------------------------------------------------------------------------

    def authorize_redirect(params: dict[str, str], login: str, decision: str) -> Response:
        state = get_state()
        client = state.clients[params["client_id"]]
        redirect_uri = params["redirect_uri"]
        extra = {"state": params["state"]} if params.get("state") else {}
        if decision != "approve":
            return redirect(_with_params(redirect_uri, {"error": "access_denied", **extra}))
        if not valid_login(login):
            abort(400, "login: lower-case letters, digits, dot, dash, underscore")
        profile = state.profile_for_login(login)
        grant = Grant(client.client_id, profile.id, params.get("scope") or SCOPES)
        code = state.issue_code(
            grant, redirect_uri, params.get("code_challenge"), params.get("code_challenge_method")
        )
        return redirect(_with_params(redirect_uri, {"code": code, **extra}))

    def authorize_params(source: Any) -> tuple[dict[str, str], Response | None]:
        params = {
            key: source.get(key, "")
            for key in (
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method",
            )
        }
        client = get_state().clients.get(params["client_id"])
        if client is None:
            return params, Response("Unknown client_id", status=400, mimetype="text/plain")
        if not _redirect_allowed(client, params["redirect_uri"]):
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
            return params, redirect(
                _with_params(
                    params["redirect_uri"],
                    {"error": problem[0], "error_description": problem[1], **extra},
                )
            )
        params = {k: v for k, v in params.items() if v}
        return params, None

    @app.get("/oauth/authorize")
    def authorize() -> Response | str:
        stop, _ = _before("authorize")
        if stop is not None:
            return stop
        params, problem = authorize_params(request.args)
        if problem is not None:
            return problem
        if request.args.get("auto") == "1":
            return authorize_redirect(params, request.args.get("login", "alice"), "approve")
        with get_state().lock:
            profiles = list(get_state().profiles.values())
        return _page(
            "Authorize",
            CONSENT,
            client_id=params["client_id"],
            scope=params.get("scope") or SCOPES,
            hidden=params,
            profiles=profiles,
        )

    @app.post("/oauth/authorize")
    def authorize_submit() -> Response:
        params, problem = authorize_params(request.form)
        if problem is not None:
            return problem
        return authorize_redirect(
            params, request.form.get("login", ""), request.form.get("decision", "deny")
        )

    @app.post("/oauth/token")
    def token() -> Response:
        stop, late = _before("token")
        if stop is not None:
            return stop
        client = _client_from_request()
        if client is None:
            response = _error(401, "invalid_client", "unknown client or wrong secret")
            response.headers["WWW-Authenticate"] = 'Basic realm="sandbox"'
            return response
        state = get_state()
        grant_type = request.form.get("grant_type")
        if grant_type == "authorization_code":
            record = state.take_code(request.form.get("code", ""))
            if record is None or record.grant.client_id != client.client_id:
                return _error(400, "invalid_grant", "unknown, used or expired code")
            if record.redirect_uri != request.form.get("redirect_uri"):
                return _error(400, "invalid_grant", "redirect_uri does not match")
            if not _pkce_ok(
                request.form.get("code_verifier"),
                record.code_challenge,
                record.code_challenge_method,
            ):
                return _error(400, "invalid_grant", "PKCE verification failed")
            tokens = state.issue_tokens(record.grant)
        elif grant_type == "refresh_token":
            tokens = state.rotate_refresh_token(
                request.form.get("refresh_token", ""), client.client_id
            )
            if tokens is None:
                return _error(400, "invalid_grant", "unknown, used or revoked refresh token")
        else:
            return _error(400, "unsupported_grant_type")
        response = jsonify(tokens)
        response.headers["Cache-Control"] = "no-store"
        return _after(late, response)

    @app.post("/oauth/revoke")
    def revoke() -> Response:
        stop, late = _before("revoke")
        if stop is not None:
            return stop
        client = _client_from_request()
        if client is None:
            return _error(401, "invalid_client")
        get_state().revoke(request.form.get("token", ""), client.client_id)
        return _after(late, Response(status=200))

    # -- API ------------------------------------------------------------------------------

    @app.get("/api/me")
    def me() -> Response:
        stop, late = _before("me")
        if stop is not None:
            return stop
        record, problem = _bearer()
        if problem is not None:
            return problem
        profile = get_state().profiles[record.grant.profile_id]
        return _after(
            late,
            jsonify(
                {
                    "id": profile.id,
                    "login": profile.login,
                    "name": profile.name,
                    "headline": profile.headline,
                    "profile_url": url_for("account_page", account_id=profile.id, _external=True),
                    "picture_url": url_for("avatar", account_id=profile.id, _external=True),
                }
            ),
        )

    @app.post("/api/posts")
    def publish() -> Response:
        stop, late = _before("publish")
        if stop is not None:
            return stop
        record, problem = _bearer()
        if problem is not None:
            return problem
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return _error(400, "invalid_request", "JSON object expected")
        account_id = data.get("account_id")
        text = data.get("text")
        link = data.get("link") or None
        key = data.get("idempotency_key") or request.headers.get("Idempotency-Key") or None
        if account_id != record.grant.profile_id:
            return _error(403, "forbidden", "this token cannot post for that account")
        if not isinstance(text, str) or not text.strip():
            return _error(422, "invalid_content", "text is required")
        if len(text) > CHAR_LIMIT:
            return _error(422, "invalid_content", f"text longer than {CHAR_LIMIT} characters")
        if link is not None and (
            not isinstance(link, str) or urlsplit(link).scheme not in ("http", "https")
        ):
            return _error(422, "invalid_content", "link must be an http(s) URL")
        image, refused = _image_from(data.get("image"))
        if refused is not None:
            return refused
        state = get_state()
        if state.post_latency:
            time.sleep(state.post_latency)
        post, created = state.create_post(
            account_id,
            text,
            link,
            key,
            image_sha256=image[0] if image else None,
            image_size=image[1] if image else None,
        )
        if not created:
            return _after(
                late, _error(409, "duplicate", "already posted", id=post.id, url=_post_url(post))
            )
        response = jsonify({"id": post.id, "url": _post_url(post)})
        response.status_code = 201
        return _after(late, response)

    @app.get("/api/posts")
    def lookup() -> Response:
        stop, late = _before("lookup")
        if stop is not None:
            return stop
        record, problem = _bearer()
        if problem is not None:
            return problem
        key = request.args.get("idempotency_key")
        if not key:
            return _error(400, "invalid_request", "idempotency_key is required")
        posts = get_state().find_posts(record.grant.profile_id, key)
        return _after(late, jsonify({"posts": [_post_json(p) for p in posts]}))

    # -- fault injection and counters -----------------------------------------------------

    @app.post("/_control/faults")
    def add_fault() -> Response:
        """JSON ``{"endpoint", "kind", "count", "status", "retry_after", "http_date",
        "seconds"}``; endpoint one of authorize, token, revoke, me, publish, lookup, *."""
        _control_enabled()
        data = request.get_json(silent=True) or {}
        params = {
            k: data[k] for k in ("status", "retry_after", "http_date", "seconds") if k in data
        }
        try:
            get_state().add_fault(
                data.get("endpoint", ""), data.get("kind", ""), int(data.get("count", 1)), **params
            )
        except (TypeError, ValueError) as exc:
            return _error(400, "invalid_request", str(exc))
        return jsonify(get_state().stats()["faults_pending"])

    @app.delete("/_control/faults")
    def clear_faults() -> Response:
        _control_enabled()
        get_state().clear_faults()
        return jsonify({})

    @app.get("/_control/stats")
    def stats() -> Response:
        _control_enabled()
        return jsonify(get_state().stats())

    @app.get("/_control/posts")
    def all_posts() -> Response:
        _control_enabled()
        with get_state().lock:
            posts = list(get_state().posts)
        return jsonify({"posts": [_post_json(p) for p in posts]})

    @app.post("/_control/config")
    def set_config() -> Response:
        """JSON with any of post_latency, access_token_ttl, reject_duplicate_keys,
        reject_duplicate_text, duplicate_window."""
        _control_enabled()
        data = request.get_json(silent=True) or {}
        state = get_state()
        with state.lock:
            for key in ("post_latency", "access_token_ttl", "duplicate_window"):
                if key in data:
                    setattr(state, key, float(data[key]))
            for key in ("reject_duplicate_keys", "reject_duplicate_text"):
                if key in data:
                    setattr(state, key, bool(data[key]))
        return jsonify({"ok": True})

    @app.post("/_control/reset")
    def reset() -> Response:
        _control_enabled()
        get_state().reset()
        return jsonify({"ok": True})
