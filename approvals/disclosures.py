"""Required disclosures: text compliance appends to every post of a network and/or category."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.errors import NotFound, ValidationError
from advisor_hub.roles import require_role
from advisor_hub.text import sanitize
from approvals.access import REVIEWERS
from approvals.models import Disclosure

NETWORKS = ("linkedin", "facebook", "x", "sandbox")
MAX_DISCLOSURE = 1000


def list_disclosures(session: Session) -> list[Disclosure]:
    return list(session.scalars(
        select(Disclosure).where(Disclosure.active.is_(True)).order_by(Disclosure.id)
    ))


def add_disclosure(session: Session, *, actor: User, text: str, network: str | None,
                   category: str | None) -> Disclosure:
    require_role(actor, *REVIEWERS)
    text = sanitize(text, field="text")
    if not text:
        raise ValidationError(_l("Enter the text to append."), field="text")
    if len(text) > MAX_DISCLOSURE:
        raise ValidationError(_l("A disclosure is at most 1,000 characters."), field="text")
    if network and network not in NETWORKS:
        raise ValidationError(_l("Unknown network."), field="network")
    category = sanitize(category, field="category")[:120] or None
    disclosure = Disclosure(text=text, network=network or None, category=category,
                            created_by_id=actor.id)
    session.add(disclosure)
    session.flush()
    record(session, actor, "disclosure.added", disclosure,
           after={"text": text, "network": network, "category": category})
    return disclosure


def remove_disclosure(session: Session, *, actor: User, disclosure_id: int) -> None:
    require_role(actor, *REVIEWERS)
    disclosure = session.get(Disclosure, disclosure_id)
    if disclosure is None or not disclosure.active:
        raise NotFound()
    disclosure.active = False
    session.flush()
    record(session, actor, "disclosure.removed", disclosure, before={"text": disclosure.text})


def disclosures_for(session: Session, *, network: str | None, category: str | None) -> list[str]:
    """The disclosures a post on ``network`` in ``category`` must carry, in a stable order.

    A disclosure with no network and no category applies to every post; one with a network
    (or category) applies only to posts of that network (or category); with both, to both.
    """
    query = select(Disclosure.text).where(Disclosure.active.is_(True))
    query = query.where(or_(Disclosure.network.is_(None), Disclosure.network == network)
                        if network else Disclosure.network.is_(None))
    query = query.where(or_(Disclosure.category.is_(None), Disclosure.category == category)
                        if category else Disclosure.category.is_(None))
    texts = list(session.scalars(query.order_by(Disclosure.id)))
    return list(dict.fromkeys(texts))


def apply_disclosures(text: str, disclosures: list[str]) -> str:
    """``text`` + "\\n\\n" + each disclosure (one already at the end of the text is not doubled)."""
    result = text
    for disclosure in disclosures:
        if disclosure and not result.rstrip().endswith(disclosure):
            result = f"{result}\n\n{disclosure}"
    return result
