"""SCIM 2.0 /scim/v2/Users: the bearer token, create/replace/patch/delete, and a leaver's
live session ended at once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from advisor_hub.accounts.models import User
from advisor_hub.audit.models import AuditEvent
from tests.sso.conftest import SCIM_TOKEN

GOOD = {"Authorization": f"Bearer {SCIM_TOKEN}"}
BAD = {"Authorization": "Bearer not-the-token-0123456789abcdefghijklmnop"}
USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "Carol@Bank.example", "name": {"givenName": "Carol", "familyName": "Dupont"},
        "emails": [{"value": "carol@bank.example", "primary": True}], "active": True}


def _post(client, body: Any, headers=GOOD):
    return client.post("/scim/v2/Users", json=body, headers=headers)


@pytest.mark.parametrize("headers", [{}, BAD, {"Authorization": SCIM_TOKEN},
                                     {"Authorization": f"Basic {SCIM_TOKEN}"}])
def test_without_the_right_bearer_token_nothing_happens(client, db_session, headers) -> None:
    response = _post(client, USER, headers)
    assert response.status_code == 401 and response.mimetype == "application/scim+json"
    assert response.json["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/scim/v2/Users", headers=headers).status_code == 401
    assert db_session.scalar(select(User).where(User.email == "carol@bank.example")) is None


def test_create_get_filter_replace_patch_and_delete(client, db_session) -> None:
    created = _post(client, USER)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["userName"] == "carol@bank.example" and body["active"] is True
    assert body["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:User"]
    assert created.headers["Location"].endswith(f"/scim/v2/Users/{body['id']}")
    uid = body["id"]
    assert _post(client, USER).json["scimType"] == "uniqueness"
    listed = client.get('/scim/v2/Users?filter=userName eq "carol@bank.example"',
                        headers=GOOD).json
    assert listed["totalResults"] == 1 and listed["Resources"][0]["id"] == uid
    assert client.get('/scim/v2/Users?filter=userName eq "x@y.example"',
                      headers=GOOD).json["totalResults"] == 0
    assert client.get("/scim/v2/Users?filter=title sw \"x\"", headers=GOOD).status_code == 400
    assert client.get(f"/scim/v2/Users/{uid}", headers=GOOD).json["name"]["givenName"] == "Carol"
    assert client.get("/scim/v2/Users/999999", headers=GOOD).status_code == 404

    replaced = client.put(f"/scim/v2/Users/{uid}", headers=GOOD, json={
        **USER, "name": {"givenName": "Caroline", "familyName": "Dupont"}})
    assert replaced.status_code == 200 and replaced.json["name"]["givenName"] == "Caroline"
    patched = client.patch(f"/scim/v2/Users/{uid}", headers=GOOD, json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "name.familyName", "value": "Martin"},
                       {"op": "replace", "value": {"active": "False"}}]})
    assert patched.status_code == 200 and patched.json["active"] is False
    assert patched.json["name"]["familyName"] == "Martin"
    assert client.patch(f"/scim/v2/Users/{uid}", headers=GOOD, json={
        "Operations": [{"op": "replace", "path": "active", "value": True}]}).json["active"]
    assert client.delete(f"/scim/v2/Users/{uid}", headers=GOOD).status_code == 204
    db_session.expire_all()
    assert db_session.get(User, int(uid)).active is False
    actions = [e.action for e in db_session.scalars(
        select(AuditEvent).where(AuditEvent.subject_id == uid).order_by(AuditEvent.id))]
    assert actions == ["idp.user_created", "idp.user_updated", "idp.user_deactivated",
                       "idp.user_reactivated", "idp.user_deactivated"]
    assert all(e.actor_id is None and e.after["by"] == "identity provider"
               for e in db_session.scalars(select(AuditEvent).where(
                   AuditEvent.subject_id == uid)))


def test_bad_input_gets_a_scim_error(client) -> None:
    response = _post(client, {"name": {"givenName": "No user name"}})
    assert response.status_code == 400 and response.json["scimType"] == "invalidValue"
    response = client.post("/scim/v2/Users", data="not json", headers=GOOD)
    assert response.status_code == 400 and response.json["status"] == "400"


def test_deactivation_ends_a_live_session_at_once(flow, client, app, db_session) -> None:
    flow.sign_in("alice")
    assert client.get("/").status_code == 200
    user = db_session.scalar(select(User).where(User.email == "alice@bank.example"))
    scim = app.test_client()
    response = scim.patch(f"/scim/v2/Users/{user.id}", headers=GOOD, json={
        "Operations": [{"op": "replace", "path": "active", "value": False}]})
    assert response.status_code == 200
    assert client.get("/").status_code == 302  # the live session is over
    flow.sign_in("alice")
    assert client.get("/").status_code == 302  # and signing in again is refused


@pytest.fixture
def break_glass(app_overrides: dict[str, Any]) -> None:
    app_overrides["BREAK_GLASS_EMAILS"] = "root@bank.example"


def test_break_glass_accounts_are_out_of_the_directorys_reach(
        break_glass, client, factory, db_session) -> None:
    root = factory.user("admin", email="root@bank.example")
    db_session.flush()
    response = client.delete(f"/scim/v2/Users/{root.id}", headers=GOOD)
    assert response.status_code == 403
    db_session.expire_all()
    assert db_session.get(User, root.id).active is True
    assert _post(client, {**USER, "userName": "root@bank.example"}).status_code == 403


@pytest.fixture
def no_scim(app_overrides: dict[str, Any]) -> None:
    app_overrides["SCIM_TOKEN"] = ""


def test_no_token_configured_means_no_scim(no_scim, client) -> None:
    assert client.get("/scim/v2/Users", headers=GOOD).status_code == 404
    assert _post(client, USER).status_code == 404
