"""Navigation by role: each feature declares its entries (``Feature.nav``, a ``NAV`` tuple
next to its blueprint); ``advisor_hub.wiring.install`` puts them in ``app.extensions["nav"]``;
the layout and the home page list the current app's entries. Nothing is registered on import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask, current_app

from advisor_hub.roles import Role

NAV_EXTENSION = "nav"


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


def nav_of(app: Flask | None = None) -> tuple[NavItem, ...]:
    """The navigation entries of ``app`` (default: the current app), as its features
    declared them."""
    items: tuple[NavItem, ...] = (app or current_app).extensions[NAV_EXTENSION]
    return items


def items_for(roles: Iterable[Role], app: Flask | None = None) -> list[NavItem]:
    held = set(roles)
    return sorted(
        (i for i in nav_of(app) if held.intersection(i.roles)),
        key=lambda i: (i.order, str(i.label)),
    )


def items_for_role(role: Role, app: Flask | None = None) -> list[NavItem]:
    return items_for([role], app)


@dataclass(frozen=True)
class NavEntry:
    """One top-bar entry: a link, or a drop-down of several links."""

    label: object
    items: tuple[NavItem, ...]


def menu_for(roles: Iterable[Role], app: Flask | None = None) -> list[NavEntry]:
    entries: list[NavEntry] = []
    groups: dict[str, int] = {}
    for item in items_for(roles, app):
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
