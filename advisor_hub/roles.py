"""Roles a user may hold (several at once) and the checks services use."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from advisor_hub.errors import PermissionDenied

if TYPE_CHECKING:
    from advisor_hub.accounts.models import User


class Role(enum.StrEnum):
    ADVISOR = "advisor"
    MARKETING = "marketing"
    COMPLIANCE = "compliance"
    SENIOR_COMPLIANCE = "senior_compliance"
    BRANCH_MANAGER = "branch_manager"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.ADVISOR: _l("Advisor"),
    Role.MARKETING: _l("Marketing"),
    Role.COMPLIANCE: _l("Compliance"),
    Role.SENIOR_COMPLIANCE: _l("Senior compliance (legal)"),
    Role.BRANCH_MANAGER: _l("Branch manager"),
    Role.ADMIN: _l("Administrator"),
}


def require_role(actor: User | None, *roles: Role) -> None:
    """Raise PermissionDenied unless the actor is active and holds one of the roles."""
    if actor is None or not actor.active or not actor.has_any_role(roles):
        raise PermissionDenied()


def role_values(roles: Iterable[str]) -> list[Role]:
    return sorted({Role(r) for r in roles})
