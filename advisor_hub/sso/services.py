"""Provisioning that follows the directory: the user an identity provider signs in, the
roles its groups give, and the administrator's group-to-role map.

Every change made because the provider said so is audited with the identity provider as
actor (no user: ``actor_id`` is empty and the event's ``after`` says ``by: identity
provider``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import Branch, User, UserRole
from advisor_hub.accounts.passwords import UNUSABLE_PASSWORD
from advisor_hub.accounts.services import (
    LANGUAGES,
    end_sessions,
    find_branch_for_directory,
    find_user_by_email,
    normalise_email,
    user_state,
)
from advisor_hub.audit.services import record
from advisor_hub.db import utcnow
from advisor_hub.roles import Role, require_role
from advisor_hub.sso.errors import (
    AccountDeactivated,
    IdentityConflict,
    NoMappedRole,
    SignInFailed,
)
from advisor_hub.sso.models import SsoSettings
from advisor_hub.sso.rolemap import RoleMap, format_role_map, parse_role_map, roles_for_groups

BY_IDP = {"by": "identity provider"}
DEFAULT_TIME_ZONE = "Europe/Paris"


@dataclass(frozen=True)
class Identity:
    """Who the identity provider says signed in (from a verified ID token)."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    first_name: str
    last_name: str
    groups: tuple[str, ...]
    branch: str | None = None
    # OIDC_BRANCH_CLAIM is set: the directory owns the branch (an absent or unknown value
    # leaves the user without one; see ``_directory_branch``).
    branch_claimed: bool = False
    language: str | None = None
    time_zone: str | None = None


def _text(value: object, limit: int) -> str:
    return str(value).strip()[:limit] if isinstance(value, str | int) else ""


def _groups(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(g for g in value.replace(",", " ").split() if g)
    if isinstance(value, list | tuple):
        return tuple(str(g) for g in value if isinstance(g, str | int))
    return ()


def _language(locale: object) -> str | None:
    code = _text(locale, 35).replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


def identity_from_claims(claims: Mapping[str, Any], *, issuer: str, groups_claim: str,
                         branch_claim: str = "", trust_email: bool = False) -> Identity:
    """Read an :class:`Identity` from ID token claims (missing claims stay empty)."""
    email = _text(claims.get("email"), 254) or None
    if email is None and "@" in _text(claims.get("preferred_username"), 254):
        email = _text(claims.get("preferred_username"), 254)
    first = _text(claims.get("given_name"), 80)
    last = _text(claims.get("family_name"), 80)
    if not first and not last:
        full = _text(claims.get("name"), 161)
        first, _, last = full.partition(" ")
    if not first:
        first = (email or "").split("@")[0][:80] or "-"
    zone = _text(claims.get("zoneinfo"), 64)
    return Identity(
        issuer=issuer,
        subject=_text(claims.get("sub"), 255),
        email=normalise_email(email) if email else None,
        email_verified=claims.get("email_verified") is True or trust_email,
        first_name=first[:80],
        last_name=(last or "-")[:80],
        groups=_groups(claims.get(groups_claim)),
        branch=(_text(claims.get(branch_claim), 120) or None) if branch_claim else None,
        branch_claimed=bool(branch_claim),
        language=_language(claims.get("locale")),
        time_zone=zone if zone in available_timezones() else None,
    )


# --- the role map -------------------------------------------------------------------------


def role_map_override(session: Session) -> SsoSettings | None:
    return session.scalar(select(SsoSettings).order_by(SsoSettings.id).limit(1))


def effective_role_map(session: Session, default: RoleMap) -> RoleMap:
    """The administrator's map if one was saved, else the environment's OIDC_ROLE_MAP."""
    saved = role_map_override(session)
    return parse_role_map(saved.role_map) if saved is not None else default


def set_role_map(session: Session, *, actor: User, text: str | None,
                 default: RoleMap) -> RoleMap:
    """Save the group-to-role map (``text`` None: back to the environment's default)."""
    require_role(actor, Role.ADMIN)
    saved = role_map_override(session)
    before = format_role_map(effective_role_map(session, default))
    if text is None:
        if saved is not None:
            session.delete(saved)
        mapping = default
    else:
        mapping = parse_role_map(text)
        if saved is None:
            saved = SsoSettings(role_map="")
            session.add(saved)
        saved.role_map = format_role_map(mapping)
        saved.updated_by_id = actor.id
        saved.updated_at = utcnow()
    session.flush()
    record(session, actor, "sso.role_map_changed", ("sso_settings", 1),
           before={"role_map": before},
           after={"role_map": format_role_map(mapping), "environment_default": text is None})
    return mapping


# --- signing in -----------------------------------------------------------------------------


def _directory_branch(session: Session, identity: Identity) -> tuple[bool, Branch | None]:
    """(whether the directory decides the branch, the branch it names). Matched by the
    branch's code (or external id) first, then by its name, without case. A value that
    matches no branch, or no value at all, gives no branch: the user is left unassigned
    (firm-wide content only, in no branch manager's list) rather than kept in a branch the
    directory no longer says, and the mismatch is audited for an administrator to fix."""
    if not identity.branch_claimed:
        return False, None
    return True, find_branch_for_directory(session, identity.branch or "")


def _audit_unmatched(session: Session, identity: Identity, user: User,
                     previous_branch_id: int | None) -> None:
    record(session, None, "idp.branch_unmatched", user,
           before={"branch_id": previous_branch_id},
           after={"branch_id": None, "claim": identity.branch, **BY_IDP})


def _set_roles(session: Session, user: User, roles: Iterable[Role]) -> bool:
    wanted = {str(r) for r in roles}
    current = {r.role for r in user.role_rows}
    if wanted == current:
        return False
    user.role_rows = [r for r in user.role_rows if r.role in wanted] + [
        UserRole(role=r) for r in sorted(wanted - current)
    ]
    end_sessions(session, user)
    return True


def _find_user(session: Session, identity: Identity) -> User | None:
    user = session.scalar(select(User).where(User.idp_issuer == identity.issuer,
                                             User.idp_subject == identity.subject))
    if user is not None or identity.email is None:
        return user
    user = find_user_by_email(session, identity.email)
    if user is None:
        return None
    if not identity.email_verified or user.idp_subject is not None:
        # The address alone does not prove it is the same person (an unverified address, or
        # an account already tied to another identity): an administrator must decide.
        raise IdentityConflict()
    before = user_state(user)
    user.idp_issuer, user.idp_subject = identity.issuer, identity.subject
    session.flush()
    record(session, None, "idp.user_linked", user, before=before,
           after={**user_state(user), **BY_IDP, "issuer": identity.issuer})
    return user


def _create(session: Session, identity: Identity, roles: Iterable[Role]) -> User:
    if identity.email is None:
        raise SignInFailed(_l("The identity provider sent no e-mail address for you: ask "
                              "your administrator."))
    claimed, branch = _directory_branch(session, identity)
    user = User(
        email=identity.email, first_name=identity.first_name, last_name=identity.last_name,
        password_hash=UNUSABLE_PASSWORD, branch_id=branch.id if branch else None,
        language=identity.language or "en",
        time_zone=identity.time_zone or DEFAULT_TIME_ZONE,
        idp_issuer=identity.issuer, idp_subject=identity.subject,
        role_rows=[UserRole(role=str(r)) for r in sorted(roles)],
    )
    session.add(user)
    session.flush()
    record(session, None, "idp.user_created", user, after={**user_state(user), **BY_IDP})
    if claimed and branch is None:
        _audit_unmatched(session, identity, user, None)
    return user


def sign_in(session: Session, *, identity: Identity, role_map: RoleMap,
            now: datetime | None = None) -> User:
    """The user the provider signed in, created on first sign-in, with the roles their
    groups give now (a removed group removes its role). Refused, with nothing but the
    refusal's consequences kept, if the account is deactivated or no group gives a role:
    a known user then loses every role and every session."""
    if not identity.subject:
        raise SignInFailed()
    roles = roles_for_groups(role_map, identity.groups)
    user = _find_user(session, identity)
    if user is None:
        if not roles:
            raise NoMappedRole()
        user = _create(session, identity, roles)
    else:
        if not user.active:
            raise AccountDeactivated()
        before = user_state(user)
        changed = _set_roles(session, user, roles)
        claimed, branch = _directory_branch(session, identity)
        branch_id = branch.id if branch is not None else None
        if claimed and branch is None:
            _audit_unmatched(session, identity, user, user.branch_id)
        if claimed and branch_id != user.branch_id:
            user.branch_id = branch_id
            changed = True
        if (identity.first_name, identity.last_name) != (user.first_name, user.last_name):
            user.first_name, user.last_name = identity.first_name, identity.last_name
            changed = True
        if changed:
            session.flush()
            session.refresh(user, ["branch"])
            record(session, None, "idp.user_updated", user, before=before,
                   after={**user_state(user), **BY_IDP})
        if not roles:
            raise NoMappedRole()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now or utcnow()
    session.flush()
    record(session, user, "user.login", user, after={"via": "identity provider"})
    return user
