"""The Sandbox's HTTP plumbing: JSON errors, injected faults, client and bearer
authentication, PKCE, redirects back to the client, and attached images."""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

from flask import Flask, Response, current_app, jsonify, request, url_for

from .state import AccessToken, Client, Fault, Post, SandboxState

IMAGE_TYPES = {"image/png", "image/jpeg", "image/webp", "image/gif"}


def get_state(app: Flask | None = None) -> SandboxState:
    return (app or current_app).extensions["sandbox"]


def json_error(status: int, error: str, description: str = "", **extra: Any) -> Response:
    body = {"error": error, **extra}
    if description:
        body["error_description"] = description
    response = jsonify(body)
    response.status_code = status
    return response


def fault_response(fault: Fault) -> Response | None:
    """The canned answer for a fault that replaces the real work, else None."""
    if fault.kind == "error":
        response = json_error(fault.status or 500, "server_error", "injected fault")
    elif fault.kind == "rate_limit":
        response = json_error(429, "rate_limited", "slow down")
        wait = fault.retry_after if fault.retry_after is not None else 1
        response.headers["Retry-After"] = (
            email.utils.formatdate(time.time() + wait, usegmt=True)
            if fault.http_date
            else str(int(wait))
        )
        return response
    elif fault.kind == "unauthorized":
        response = json_error(401, "invalid_token", "token revoked or expired")
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    elif fault.kind == "invalid_grant":
        response = json_error(400, "invalid_grant", "refresh refused")
    elif fault.kind == "version_retired":
        response = retired_version_response("injected")
    elif fault.kind == "credits_exhausted":
        response = json_error(402, "CreditsDepleted",
                              "Your enrolled account does not have any credits")
    elif fault.kind == "client_refused":
        response = json_error(401, "invalid_client", "the app's credentials are refused")
    elif fault.kind == "token_invalidated":
        response = json_error(401, "invalid_token",
                              "session invalidated: the user changed the password (subcode 460)")
    else:
        return None
    if fault.retry_after is not None:
        response.headers["Retry-After"] = str(int(fault.retry_after))
    return response


def retired_version_response(version: str) -> Response:
    """LinkedIn's answer to a sunset version (``NONEXISTENT_VERSION``)."""
    return json_error(426, "NONEXISTENT_VERSION", f"Requested version {version} is not active",
                      code="NONEXISTENT_VERSION")


def fault_before(endpoint: str) -> tuple[Response | None, Fault | None]:
    """Apply a queued fault: an answer to return now, or a fault to finish after the work."""
    fault = get_state().take_fault(endpoint)
    if fault is None:
        return None, None
    if fault.kind == "delay":
        time.sleep(fault.seconds)
        return None, None
    if fault.kind == "accept_then_error":
        return None, fault
    return fault_response(fault), None


def fault_after(fault: Fault | None, response: Response) -> Response:
    if fault is not None and fault.kind == "accept_then_error":
        return json_error(fault.status or 500, "server_error", "injected fault after the work")
    return response


def client_from_request() -> Client | None:
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


def redirect_allowed(client: Client, redirect_uri: str) -> bool:
    if client.redirect_uris is not None:
        return redirect_uri in client.redirect_uris
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return parts.hostname in {"127.0.0.1", "localhost", "::1", request.host.split(":")[0]}


def with_params(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def pkce_ok(verifier: str | None, challenge: str | None, method: str | None) -> bool:
    if challenge is None:
        return not current_app.config["REQUIRE_PKCE"] and verifier is None
    if not verifier:
        return False
    if method == "plain":
        return hmac.compare_digest(verifier, challenge)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(expected, challenge)


def bearer() -> tuple[AccessToken | None, Response | None]:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None, unauthorized("missing bearer token")
    record, why = get_state().access(header[7:].strip())
    if record is None:
        return None, unauthorized(why)
    return record, None


def unauthorized(description: str) -> Response:
    response = json_error(401, "invalid_token", description)
    response.headers["WWW-Authenticate"] = (
        f'Bearer error="invalid_token", error_description="{description}"'
    )
    return response


def post_url(post: Post) -> str:
    return url_for("sandbox_comments.post_page", post_id=post.id, _external=True)


def post_json(post: Post) -> dict[str, Any]:
    return {**post.as_dict(), "url": post_url(post)}


def image_from(data: Any) -> tuple[tuple[str, int] | None, Response | None]:
    """The (sha256, size) of a post's optional image, or the 422 explaining why not.

    JSON ``"image": {"data": <base64>, "mime_type": "image/png", "sha256": <hex>}``; the
    Sandbox checks the bytes against the hash the client claims, keeps hash and size only.
    """
    if data is None:
        return None, None

    def refuse(description: str) -> tuple[None, Response]:
        return None, json_error(422, "invalid_content", description)

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
