"""The group-to-role map: ``advisors=advisor,legal=compliance+senior_compliance,it=admin``.

Entries are separated by commas or new lines; a group may give several roles (``+``).
Groups are matched without regard to case (directories differ in how they spell them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l

from advisor_hub.roles import Role
from advisor_hub.sso.errors import InvalidRoleMap

RoleMap = dict[str, frozenset[Role]]
_SEPARATORS = re.compile(r"[,\n]")


def parse_role_map(text: str) -> RoleMap:
    """The map written in ``text``; InvalidRoleMap says which entry is wrong."""
    mapping: RoleMap = {}
    for raw in _SEPARATORS.split(text or ""):
        entry = raw.strip()
        if not entry:
            continue
        group, equals, roles = entry.rpartition("=")
        group = group.strip()
        if not equals or not group:
            raise InvalidRoleMap(_l("“%(entry)s” is not of the form group=role.", entry=entry),
                                 field="role_map")
        try:
            wanted = frozenset(Role(r.strip()) for r in roles.split("+") if r.strip())
        except ValueError:
            raise InvalidRoleMap(_l("“%(entry)s” names an unknown role (known: %(roles)s).",
                                    entry=entry, roles=", ".join(Role)),
                                 field="role_map") from None
        if not wanted:
            raise InvalidRoleMap(_l("“%(entry)s” gives no role.", entry=entry), field="role_map")
        key = group.casefold()
        mapping[key] = mapping.get(key, frozenset()) | wanted
    return mapping


def format_role_map(mapping: Mapping[str, Iterable[Role]]) -> str:
    """One entry per line, the form the admin screen shows."""
    return "\n".join(f"{group}={'+'.join(sorted(str(r) for r in roles))}"
                     for group, roles in sorted(mapping.items()))


def roles_for_groups(mapping: RoleMap, groups: Iterable[str]) -> frozenset[Role]:
    """Every role any of ``groups`` gives (none: the person has no access)."""
    found: set[Role] = set()
    for group in groups:
        found |= mapping.get(str(group).casefold(), frozenset())
    return frozenset(found)
