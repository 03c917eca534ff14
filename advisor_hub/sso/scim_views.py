"""SCIM 2.0 ``/scim/v2/Users`` for the identity provider: bearer token (SCIM_TOKEN, compared
in constant time); no token configured, no SCIM (404). JSON per RFC 7643/7644."""

from __future__ import annotations

import hmac
import json
from typing import Any

from flask import Blueprint, Response, abort, request, url_for

from advisor_hub.accounts.models import User
from advisor_hub.db import get_session
from advisor_hub.sso import directory
from advisor_hub.sso.directory import ScimError
from advisor_hub.sso.web import sso_state
from advisor_hub.web import commit

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")

SCIM_JSON = "application/scim+json"


def _json(body: dict[str, Any] | None, status: int = 200, **headers: str) -> Response:
    response = Response(json.dumps(body) if body is not None else "", status=status,
                        mimetype=SCIM_JSON if body is not None else None)
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers)
    return response


@bp.errorhandler(ScimError)
def scim_error(error: ScimError) -> Response:
    get_session().rollback()
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if error.status == 401 else {}
    return _json(error.body(), error.status, **headers)


@bp.before_request
def require_token() -> None:
    token = sso_state().config.scim_token
    if not token:
        abort(404)  # SCIM is off
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                             token.encode()):
        raise ScimError(401, "a valid bearer token is required")


def _protected() -> frozenset[str]:
    return sso_state().config.break_glass_emails


def _resource(user: User) -> dict[str, Any]:
    return directory.to_resource(user, url_for("scim.user", user_id=user.id, _external=True))


def _body() -> Any:
    body = request.get_json(force=True, silent=True)
    if body is None:
        raise ScimError(400, "the body must be JSON", "invalidSyntax")
    return body


def _int_arg(name: str, default: int) -> int:
    value = request.args.get(name, "")
    if not value:
        return default
    if not value.isdigit() or len(value) > 9:
        raise ScimError(400, f"{name} must be a positive integer", "invalidValue")
    return int(value)


@bp.get("/Users")
def users() -> Response:
    user_name = directory.parse_filter(request.args.get("filter"))
    start = max(1, _int_arg("startIndex", 1))
    total, found = directory.list_users(get_session(), user_name=user_name, start=start,
                                        count=_int_arg("count", 100))
    return _json(directory.list_response([_resource(u) for u in found], total, start))


@bp.post("/Users")
def create() -> Response:
    changes = directory.parse_user(_body(), require_user_name=True)
    user = directory.create_user(get_session(), changes, protected=_protected())
    commit()
    location = url_for("scim.user", user_id=user.id, _external=True)
    return _json(_resource(user), 201, Location=location)


@bp.get("/Users/<user_id>")
def user(user_id: str) -> Response:
    return _json(_resource(directory.get_user(get_session(), user_id)))


@bp.put("/Users/<user_id>")
def replace(user_id: str) -> Response:
    session = get_session()
    found = directory.get_user(session, user_id)
    changes = directory.parse_user(_body(), require_user_name=True)
    directory.update_user(session, found, changes, protected=_protected())
    commit()
    return _json(_resource(found))


@bp.patch("/Users/<user_id>")
def patch(user_id: str) -> Response:
    session = get_session()
    found = directory.get_user(session, user_id)
    directory.update_user(session, found, directory.parse_patch(_body()),
                          protected=_protected())
    commit()
    return _json(_resource(found))


@bp.delete("/Users/<user_id>")
def delete(user_id: str) -> Response:
    """Deactivate: the account and its history stay (the archive needs them)."""
    session = get_session()
    directory.deactivate_user(session, directory.get_user(session, user_id),
                              protected=_protected())
    commit()
    return _json(None, 204)


@bp.get("/ServiceProviderConfig")
def service_provider_config() -> Response:
    unsupported = {"supported": False}
    return _json({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": True}, "bulk": {**unsupported, "maxOperations": 0,
                                               "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": directory.MAX_PAGE},
        "changePassword": unsupported, "sort": unsupported, "etag": unsupported,
        "authenticationSchemes": [{"type": "oauthbearertoken", "name": "Bearer token",
                                   "description": "The SCIM_TOKEN of Advisor Hub"}],
    })
