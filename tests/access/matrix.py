"""The role-access matrix: each package lists its routes in ``tests/access/rows_<package>.py``.

A row is a method, a path and the status each role gets. ``ANON`` is the anonymous visitor.
Paths may hold ``{placeholders}`` filled by the row's ``setup(session, factory, users)``,
which builds the objects the route needs and returns their ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ANON = "anonymous"
ROLES = ("advisor", "marketing", "compliance", "senior_compliance", "branch_manager", "admin")
ALL = (ANON, *ROLES)

LOGIN = 302  # anonymous visitors are sent to the login page


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expected: dict[str, int]
    setup: Callable[..., dict[str, Any]] | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def only(roles: tuple[str, ...] | list[str], allowed: int = 200, denied: int = 403,
         anonymous: int = LOGIN) -> dict[str, int]:
    """Expected codes when only ``roles`` may use a route."""
    codes = {role: (allowed if role in roles else denied) for role in ROLES}
    codes[ANON] = anonymous
    return codes


def everyone(code: int = 200, anonymous: int = LOGIN) -> dict[str, int]:
    return {**{role: code for role in ROLES}, ANON: anonymous}
