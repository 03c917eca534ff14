"""Users and branches: creation, roles, deactivation, and login with lockout."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from advisor_hub.accounts.lockout import (  # the first four re-exported for older callers
    LOCKOUT,  # noqa: F401
    MAX_FAILED_LOGINS,  # noqa: F401
    AccountLocked,  # noqa: F401
    InvalidCredentials,  # noqa: F401
    ResetLink,
    complete_check,
    reserve_check,
)
from advisor_hub.accounts.models import Branch, User, UserRole
from advisor_hub.accounts.password_policy import (  # noqa: F401  (MIN_ re-exported)
    MIN_PASSWORD_LENGTH,
    check_new_password,
)
from advisor_hub.accounts.passwords import hash_password
from advisor_hub.audit.services import record
from advisor_hub.db import utcnow
from advisor_hub.errors import NotFound, ValidationError
from advisor_hub.i18n import LANGUAGES
from advisor_hub.pagination import Page, paginate
from advisor_hub.roles import Role, require_role


def user_state(user: User) -> dict[str, object]:
    """What the audit trail records of a user before and after a change."""
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "branch_id": user.branch_id,
        "roles": [str(r) for r in user.roles],
        "active": user.active,
        "language": user.language,
        "time_zone": user.time_zone,
    }


def end_sessions(session: Session, user: User) -> None:
    """End every session of ``user`` at once: the version in their session cookies no longer
    matches (logout, password change or reset, deactivation, role change, the directory)."""
    user.session_version = User.session_version + 1  # atomic: two bumps never make one
    session.flush()
    session.refresh(user, ["session_version"])


def authenticate(session: Session, email: str, password: str, now: datetime | None = None,
                 *, reset_link: ResetLink | None = None) -> User:
    """Check a login in one go (the CLI, tests); after 5 failures in a row the account is
    locked for 15 minutes. Every refusal is InvalidCredentials (AccountLocked is one).

    The login view runs the two steps itself with a commit between them (see
    :mod:`advisor_hub.accounts.lockout`)."""
    now = now or utcnow()
    attempt = reserve_check(session, email=normalise_email(email), now=now)
    verdict = complete_check(session, attempt, password, now=now, reset_link=reset_link)
    user = verdict.raise_if_refused()
    record_login(session, user, now)
    return user


def record_login(session: Session, user: User, now: datetime | None = None) -> None:
    """What a successful login leaves: the time, and the audit trail's entry."""
    user.last_login_at = now or utcnow()
    session.flush()
    record(session, user, "user.login", user)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_profile(session: Session, language: str, time_zone: str, branch_id: int | None) -> None:
    if language not in LANGUAGES:
        raise ValidationError(_l("Unknown language."), field="language")
    if time_zone not in available_timezones():
        raise ValidationError(_l("Unknown time zone."), field="time_zone")
    if branch_id is not None and session.get(Branch, branch_id) is None:
        raise ValidationError(_l("Unknown branch."), field="branch_id")


def _check_roles(roles: Iterable[str]) -> list[Role]:
    try:
        checked = sorted({Role(r) for r in roles})
    except ValueError as exc:
        raise ValidationError(_l("Unknown role."), field="roles") from exc
    if not checked:
        raise ValidationError(_l("Choose at least one role."), field="roles")
    return checked


def create_user(
    session: Session,
    *,
    actor: User | None,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    roles: Iterable[str],
    branch_id: int | None = None,
    language: str = "en",
    time_zone: str = "Europe/Paris",
) -> User:
    """Create a user. ``actor`` None is the CLI (an operator with shell access)."""
    if actor is not None:
        require_role(actor, Role.ADMIN)
    email = normalise_email(email)
    checked_roles = _check_roles(roles)
    _check_profile(session, language, time_zone, branch_id)
    check_new_password(password, user_inputs=(email, first_name, last_name))
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ValidationError(_l("A user with this e-mail already exists."), field="email")
    user = User(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        password_hash=hash_password(password),
        branch_id=branch_id,
        language=language,
        time_zone=time_zone,
        role_rows=[UserRole(role=str(r)) for r in checked_roles],
    )
    session.add(user)
    session.flush()
    record(session, actor, "user.create", user, after=user_state(user))
    return user


def update_user(
    session: Session,
    *,
    actor: User,
    user_id: int,
    first_name: str,
    last_name: str,
    roles: Iterable[str],
    branch_id: int | None,
    language: str,
    time_zone: str,
) -> User:
    require_role(actor, Role.ADMIN)
    user = get_user(session, user_id)
    checked_roles = _check_roles(roles)
    _check_profile(session, language, time_zone, branch_id)
    if user.id == actor.id and Role.ADMIN not in checked_roles:
        raise ValidationError(_l("You cannot remove your own administrator role."), field="roles")
    before = user_state(user)
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    user.branch_id, user.language, user.time_zone = branch_id, language, time_zone
    current = {r.role for r in user.role_rows}
    wanted = {str(r) for r in checked_roles}
    user.role_rows = [r for r in user.role_rows if r.role in wanted] + [
        UserRole(role=r) for r in sorted(wanted - current)
    ]
    if wanted != current:
        end_sessions(session, user)  # new powers, new session: a stolen cookie dies too
    session.flush()
    session.refresh(user, ["branch"])
    record(session, actor, "user.update", user, before=before, after=user_state(user))
    return user


def set_user_active(session: Session, *, actor: User, user_id: int, active: bool) -> User:
    """Deactivate (or reactivate) a user; a deactivated user cannot log in."""
    require_role(actor, Role.ADMIN)
    user = get_user(session, user_id)
    if user.id == actor.id and not active:
        raise ValidationError(_l("You cannot deactivate your own account."))
    before = user_state(user)
    if user.active != active:
        end_sessions(session, user)
    user.active = active
    session.flush()
    record(session, actor, "user.activate" if active else "user.deactivate", user,
           before=before, after=user_state(user))
    return user


def update_preferences(
    session: Session, *, actor: User, language: str, time_zone: str
) -> User:
    """A user's own language and time zone."""
    _check_profile(session, language, time_zone, None)
    before = user_state(actor)
    actor.language, actor.time_zone = language, time_zone
    session.flush()
    record(session, actor, "user.preferences", actor, before=before, after=user_state(actor))
    return actor


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def list_users(session: Session, *, actor: User, page: int = 1, q: str = "") -> Page[User]:
    require_role(actor, Role.ADMIN)
    query = select(User).order_by(User.last_name, User.first_name, User.id)
    if q:
        # "%" and "_" typed by the admin match themselves, not any text.
        needle = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{needle}%"
        query = query.where(
            func.lower(User.email).like(like, escape="\\")
            | func.lower(User.first_name + " " + User.last_name).like(like, escape="\\")
        )
    return paginate(session, query, page=page, per_page=25)


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.last_name, User.first_name)))


@dataclass(frozen=True)
class BranchRow:
    branch: Branch
    user_count: int


def list_branches(session: Session) -> list[Branch]:
    return list(session.scalars(select(Branch).order_by(Branch.name)))


def branch_overview(session: Session, *, actor: User) -> list[BranchRow]:
    require_role(actor, Role.ADMIN)
    rows = session.execute(
        select(Branch, func.count(User.id))
        .outerjoin(User, User.branch_id == Branch.id)
        .group_by(Branch.id)
        .order_by(Branch.name)
    )
    return [BranchRow(branch, count) for branch, count in rows]


BRANCH_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}\Z")


def create_branch(session: Session, *, actor: User | None, name: str, city: str = "",
                  code: str | None = None) -> Branch:
    """A branch; ``code``: the directory's identifier of it (what single sign-on's branch
    claim sends: a branch code or the provider's external id), unique without case."""
    if actor is not None:
        require_role(actor, Role.ADMIN)
    name = name.strip()
    if not name:
        raise ValidationError(_l("A branch needs a name."), field="name")
    if session.scalar(select(Branch.id).where(func.lower(Branch.name) == name.lower())):
        raise ValidationError(_l("A branch with this name already exists."), field="name")
    code = (code or "").strip() or None
    if code is not None:
        if not BRANCH_CODE.match(code):
            raise ValidationError(_l("A branch code is letters, digits, dots, hyphens and "
                                     "underscores (at most 60)."), field="code")
        if session.scalar(select(Branch.id).where(func.lower(Branch.code) == code.lower())):
            raise ValidationError(_l("A branch with this code already exists."),
                                  field="code")
    branch = Branch(name=name, city=city.strip(), code=code)
    session.add(branch)
    session.flush()
    record(session, actor, "branch.create", branch,
           after={"name": name, "city": branch.city, "code": code})
    return branch


def find_branch_for_directory(session: Session, value: str) -> Branch | None:
    """The branch a directory's claim names: by code first, then by name (both without
    case); None when neither matches."""
    value = value.strip().lower()
    if not value:
        return None
    return session.scalar(select(Branch).where(func.lower(Branch.code) == value)) \
        or session.scalar(select(Branch).where(func.lower(Branch.name) == value))


def find_branch_by_name(session: Session, name: str) -> Branch | None:
    return session.scalar(select(Branch).where(func.lower(Branch.name) == name.strip().lower()))


def common_time_zones() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


DEFAULT_TIME_ZONE = "Europe/Paris"
TIME_ZONE_REGIONS = {
    "Africa": _l("Africa"), "America": _l("Americas"), "Antarctica": _l("Antarctica"),
    "Arctic": _l("Arctic"), "Asia": _l("Asia"), "Atlantic": _l("Atlantic"),
    "Australia": _l("Australia"), "Europe": _l("Europe"), "Indian": _l("Indian Ocean"),
    "Pacific": _l("Pacific"),
}


def time_zone_groups() -> dict[str, list[tuple[str, str]]]:
    """Every IANA zone of ``common_time_zones`` (and UTC), grouped by region for an
    ``<optgroup>`` list: {region label: [(zone, "Buenos Aires (Argentina)"), ...]}. The
    label starts with the place, so typing "Par" in the closed list picks Paris."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for zone in common_time_zones():
        region, _, place = zone.partition("/")
        if region not in TIME_ZONE_REGIONS:
            continue  # the old aliases: Brazil/East, US/Pacific...
        parts = place.replace("_", " ").split("/")
        label = parts[-1] + (f" ({' / '.join(parts[:-1])})" if len(parts) > 1 else "")
        groups.setdefault(str(TIME_ZONE_REGIONS[region]), []).append((zone, label))
    for choices in groups.values():
        choices.sort(key=lambda choice: choice[1])
    groups["UTC"] = [("UTC", "UTC")]
    return groups


def branch_time_zones(session: Session) -> dict[int, str]:
    """Each branch's time zone: the one most of its active users have (branches keep no
    zone of their own); a branch without users has none here."""
    query = (select(User.branch_id, User.time_zone, func.count(User.id))
             .where(User.branch_id.is_not(None), User.active.is_(True))
             .group_by(User.branch_id, User.time_zone))
    counts: dict[int, tuple[int, str]] = {}
    for branch_id, zone, count in session.execute(query):
        if branch_id is None:
            continue
        best = counts.get(branch_id)
        if best is None or (count, zone) > best:
            counts[branch_id] = (count, zone)
    return {branch_id: zone for branch_id, (_count, zone) in counts.items()}


def local_zone(user: User) -> ZoneInfo:
    return ZoneInfo(user.time_zone)


# --- what other packages read about people ------------------------------------------------------


def find_user(session: Session, user_id: int | None) -> User | None:
    """The user with this id, or None (no error: callers decide what a missing user means)."""
    return session.get(User, user_id) if user_id is not None else None


def users_with_role(session: Session, role: Role, *,
                    exclude_ids: Iterable[int] = ()) -> list[User]:
    """The active users holding ``role`` (minus ``exclude_ids``), by name."""
    query = (select(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == str(role), User.active.is_(True))
             .order_by(User.last_name, User.first_name, User.id))
    excluded = sorted(set(exclude_ids))
    if excluded:
        query = query.where(User.id.not_in(excluded))
    return list(session.scalars(query))


def user_names(session: Session, user_ids: Iterable[int] | Select[Any]) -> dict[int, str]:
    """Each user's "First Last", ordered by last then first name; unknown ids are absent.

    ``user_ids`` is a list, or a query selecting ids (composed as a subquery, for a set too
    large to send as values). One query whatever the number of ids."""
    if isinstance(user_ids, Select):
        condition = User.id.in_(user_ids)
    else:
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        condition = User.id.in_(ids)
    rows = session.execute(select(User.id, User.first_name, User.last_name).where(condition)
                           .order_by(User.last_name, User.first_name, User.id))
    return {row[0]: f"{row[1]} {row[2]}" for row in rows}


def branch_names(session: Session, branch_ids: Iterable[int]) -> dict[int, str]:
    """Each branch's name; unknown ids are absent. One query whatever the number of ids."""
    ids = sorted(set(branch_ids))
    if not ids:
        return {}
    return dict(session.execute(select(Branch.id, Branch.name)
                                .where(Branch.id.in_(ids))).all())
