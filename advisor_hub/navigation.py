"""Navigation by role: each package registers its entries; the layout and home page list them."""

from __future__ import annotations

from dataclasses import dataclass

from advisor_hub.roles import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string
    roles: tuple[Role, ...]
    description: object = ""
    order: int = 100


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
