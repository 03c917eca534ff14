"""Navigation by role: each package registers its entries; the layout and home page list them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from advisor_hub.roles import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string
    roles: tuple[Role, ...]
    description: object = ""
    order: int = 100
    # Items sharing a group label show as one drop-down menu in the top bar.
    group: object | None = None
    # A count shown next to the entry (unread items), called while rendering the page.
    badge: Callable[[], int] | None = None


_items: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _items[item.endpoint] = item


def items_for(roles: list[Role]) -> list[NavItem]:
    held = set(roles)
    return sorted(
        (i for i in _items.values() if held.intersection(i.roles)),
        key=lambda i: (i.order, str(i.label)),
    )


def items_for_role(role: Role) -> list[NavItem]:
    return items_for([role])


@dataclass(frozen=True)
class NavEntry:
    """One top-bar entry: a link, or a drop-down of several links."""

    label: object
    items: tuple[NavItem, ...]


def menu_for(roles: list[Role]) -> list[NavEntry]:
    entries: list[NavEntry] = []
    groups: dict[str, int] = {}
    for item in items_for(roles):
        if item.group is None:
            entries.append(NavEntry(item.label, (item,)))
            continue
        key = str(item.group)
        if key in groups:
            entry = entries[groups[key]]
            entries[groups[key]] = NavEntry(entry.label, (*entry.items, item))
        else:
            groups[key] = len(entries)
            entries.append(NavEntry(item.group, (item,)))
    return entries
