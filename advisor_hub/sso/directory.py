"""SCIM 2.0 users (RFC 7643/7644): the identity provider creates, changes and deactivates
accounts here, so a leaver is locked out at once. Roles are not provisioned by SCIM: they
follow the groups claim at each sign-in (a SCIM-created account has none until then).

Every change is audited with the identity provider as actor; deactivation (``active:
false`` or DELETE) ends the user's sessions at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.accounts.passwords import UNUSABLE_PASSWORD
from advisor_hub.accounts.services import LANGUAGES, end_sessions, normalise_email, user_state
from advisor_hub.audit.services import record
from advisor_hub.sso.services import BY_IDP, DEFAULT_TIME_ZONE

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
MAX_PAGE = 200
_FILTER = re.compile(r'^\s*userName\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ScimError(Exception):
    """A SCIM error response: HTTP status, ``scimType`` and a detail in English (the reader
    is a machine and its operator's logs)."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(self.status),
                                "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def _bad(detail: str, scim_type: str = "invalidValue") -> ScimError:
    return ScimError(400, detail, scim_type)


# --- representation -------------------------------------------------------------------------


def to_resource(user: User, location: str) -> dict[str, Any]:
    return {
        "schemas": [USER_SCHEMA],
        "id": str(user.id),
        "userName": user.email,
        "name": {"givenName": user.first_name, "familyName": user.last_name,
                 "formatted": user.full_name},
        "displayName": user.full_name,
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "active": user.active,
        "preferredLanguage": user.language,
        "timezone": user.time_zone,
        "groups": [],  # read-only; Advisor Hub roles follow the groups claim at sign-in
        "roles": [{"value": str(r)} for r in user.roles],
        "meta": {"resourceType": "User", "created": user.created_at.isoformat(),
                 "location": location},
    }


def list_response(resources: list[dict[str, Any]], total: int, start: int) -> dict[str, Any]:
    return {"schemas": [LIST_SCHEMA], "totalResults": total, "startIndex": start,
            "itemsPerPage": len(resources), "Resources": resources}


# --- reading input ----------------------------------------------------------------------------


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"  # Entra ID sends "True"/"False"
    raise _bad("active must be a boolean")


def _string(value: object, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(f"{name} must be a non-empty string")
    if len(value.strip()) > limit or any(ord(c) < 32 for c in value):
        raise _bad(f"{name} is too long or holds control characters")
    return value.strip()


def _email(value: object) -> str:
    email = normalise_email(_string(value, "userName", 254))
    if not _EMAIL.match(email):
        raise _bad("userName must be an e-mail address")
    return email


def _primary_email(emails: object) -> str | None:
    if not isinstance(emails, list):
        return None
    values = [e for e in emails if isinstance(e, Mapping) and e.get("value")]
    chosen = next((e for e in values if e.get("primary") is True), values[0] if values else None)
    return _email(chosen["value"]) if chosen else None


@dataclass
class Changes:
    """Attributes a request sets (None: not given, left as it is)."""

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    active: bool | None = None
    language: str | None = None
    time_zone: str | None = None

    def read(self, attributes: Mapping[str, Any]) -> Changes:
        for key, value in attributes.items():
            self.set(key, value)
        return self

    def set(self, path: str, value: Any) -> None:
        key = path.strip()
        lower = key.lower()
        if lower == "username":
            self.email = _email(value)
        elif lower == "active":
            self.active = _bool(value)
        elif lower == "name":
            if not isinstance(value, Mapping):
                raise _bad("name must be an object")
            for part, part_value in value.items():
                self.set(f"name.{part}", part_value)
        elif lower == "name.givenname":
            self.first_name = _string(value, "name.givenName", 80)
        elif lower == "name.familyname":
            self.last_name = _string(value, "name.familyName", 80)
        elif lower in ("preferredlanguage", "locale"):
            code = str(value or "").replace("_", "-").split("-")[0].lower()
            self.language = code if code in LANGUAGES else self.language
        elif lower == "timezone":
            self.time_zone = value if value in available_timezones() else self.time_zone
        elif lower == "emails" and self.email is None:
            self.email = _primary_email(value)
        elif lower.startswith("emails[") and lower.endswith("].value") and self.email is None:
            self.email = _email(value)
        # Anything else (externalId, title, the enterprise extension...) is not kept here.


def parse_user(document: object, *, require_user_name: bool) -> Changes:
    if not isinstance(document, Mapping):
        raise _bad("the body must be a JSON object", "invalidSyntax")
    changes = Changes().read({k: v for k, v in document.items()
                              if k not in ("schemas", "id", "meta", "emails")})
    if changes.email is None and "emails" in document:
        changes.email = _primary_email(document["emails"])
    if require_user_name and changes.email is None:
        raise _bad("userName is required")
    return changes


def parse_patch(document: object) -> Changes:
    """A PatchOp: ``add``/``replace`` of the attributes above, with or without a path."""
    if not isinstance(document, Mapping) or not isinstance(document.get("Operations"), list):
        raise _bad("a PatchOp with Operations is required", "invalidSyntax")
    changes = Changes()
    for operation in document["Operations"]:
        if not isinstance(operation, Mapping):
            raise _bad("each operation must be an object", "invalidSyntax")
        op = str(operation.get("op", "")).lower()
        path, value = operation.get("path"), operation.get("value")
        if op not in ("add", "replace"):
            raise _bad(f"op {op!r} is not supported here (add, replace)", "invalidSyntax")
        if path:
            changes.set(str(path), value)
        elif isinstance(value, Mapping):
            changes.read(value)
        else:
            raise _bad("an operation without a path needs an object value", "noTarget")
    return changes


def parse_filter(text: str | None) -> str | None:
    """The userName of ``userName eq "x"`` (the one filter identity providers send)."""
    if not text:
        return None
    match = _FILTER.match(text)
    if match is None:
        raise _bad('only filter=userName eq "..." is supported', "invalidFilter")
    return normalise_email(re.sub(r"\\(.)", r"\1", match.group(1)))


# --- operations -------------------------------------------------------------------------------


def list_users(session: Session, *, user_name: str | None, start: int, count: int,
               ) -> tuple[int, list[User]]:
    query = select(User)
    if user_name is not None:
        query = query.where(User.email == user_name)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    start, count = max(1, start), max(0, min(count, MAX_PAGE))
    users = session.scalars(query.order_by(User.id).offset(start - 1).limit(count))
    return total, list(users)


def get_user(session: Session, user_id: str) -> User:
    user = session.get(User, int(user_id)) if user_id.isdigit() and len(user_id) < 19 else None
    if user is None:
        raise ScimError(404, f"User {user_id} not found")
    return user


def _check_protected(user: User, protected: Iterable[str]) -> None:
    if user.email in protected:
        raise ScimError(403, "break-glass accounts are not managed by the directory")


def _email_taken(session: Session, email: str, user: User | None) -> None:
    other = session.scalar(select(User).where(User.email == email))
    if other is not None and other is not user:
        raise ScimError(409, f"userName {email} is already taken", "uniqueness")


def create_user(session: Session, changes: Changes, *, protected: Iterable[str]) -> User:
    assert changes.email is not None
    if changes.email in set(protected):
        raise ScimError(403, "break-glass accounts are not managed by the directory")
    _email_taken(session, changes.email, None)
    user = User(
        email=changes.email,
        first_name=changes.first_name or changes.email.split("@")[0][:80],
        last_name=changes.last_name or "-",
        password_hash=UNUSABLE_PASSWORD,
        active=True if changes.active is None else changes.active,
        language=changes.language or "en",
        time_zone=changes.time_zone or DEFAULT_TIME_ZONE,
        role_rows=[],
    )
    session.add(user)
    session.flush()
    record(session, None, "idp.user_created", user, after={**user_state(user), **BY_IDP,
                                                             "via": "scim"})
    return user


def update_user(session: Session, user: User, changes: Changes, *,
                protected: Iterable[str]) -> User:
    """Apply ``changes``; a change of ``active`` ends the user's sessions."""
    _check_protected(user, set(protected))
    before = user_state(user)
    if changes.email is not None and changes.email != user.email:
        _email_taken(session, changes.email, user)
        user.email = changes.email
    for attribute in ("first_name", "last_name", "language", "time_zone"):
        value = getattr(changes, attribute)
        if value is not None:
            setattr(user, attribute, value)
    action = "idp.user_updated"
    if changes.active is not None and changes.active != user.active:
        user.active = changes.active
        end_sessions(session, user)
        action = "idp.user_reactivated" if user.active else "idp.user_deactivated"
    session.flush()
    after = user_state(user)
    if after != before:
        record(session, None, action, user, before=before,
               after={**after, **BY_IDP, "via": "scim"})
    return user


def deactivate_user(session: Session, user: User, *, protected: Iterable[str]) -> User:
    return update_user(session, user, Changes(active=False), protected=protected)
