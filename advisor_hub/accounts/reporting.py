"""Queries on users and branches that reports compose (the dashboard): ``Select``s built on
this package's models, so that no other package re-declares its tables."""

from __future__ import annotations

from sqlalchemy import Select, and_, select

from advisor_hub.accounts.models import Branch, User, UserRole
from advisor_hub.roles import Role


def active_advisors(branch_id: int | None = None) -> Select[int, int | None, str, str, str]:
    """Active users with the advisor role, one row each: (id, branch_id, first_name,
    last_name, email); only one branch's when ``branch_id`` is given."""
    query = (select(User.id, User.branch_id, User.first_name, User.last_name, User.email)
             .join(UserRole, and_(UserRole.user_id == User.id,
                                  UserRole.role == Role.ADVISOR.value))
             .where(User.active.is_(True)))
    if branch_id is not None:
        query = query.where(User.branch_id == branch_id)
    return query


def users_of_branch(branch_id: int) -> Select[int]:
    """The ids of a branch's users (any role, active or not): (id)."""
    return select(User.id).where(User.branch_id == branch_id)


def branch_names() -> Select[int, str]:
    """Every branch: (id, name)."""
    return select(Branch.id, Branch.name)
