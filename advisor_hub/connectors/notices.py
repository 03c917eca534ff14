"""Messages sent once (a version warning, a hold, a grant reminder), and who receives them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User, UserRole
from advisor_hub.connectors.models import ConnectorNotice
from advisor_hub.notifications.services import notify
from advisor_hub.roles import Role


def first_time(session: Session, key: str, now: datetime) -> bool:
    """True the first time ``key`` is seen (and records it): two processes racing on the same
    key agree on one winner through the primary key."""
    if session.get(ConnectorNotice, key) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ConnectorNotice(key=key, sent_at=now))
    except IntegrityError:
        return False
    return True


def admins(session: Session) -> list[User]:
    return list(session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN.value, User.active.is_(True)).order_by(User.id)))


def tell(session: Session, users: list[User], message: str, params: dict[str, Any],
         url: str | None) -> None:
    """In the portal and by e-mail (after the commit), each in their own language."""
    seen: set[int] = set()
    for user in users:
        if user.id not in seen:
            seen.add(user.id)
            notify(session, user, message, params, url)
