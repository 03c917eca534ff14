"""What posting on X costs (pay-per-use): admin-set prices, the month's spend, a forecast
from the scheduled posts, and an optional monthly cap that holds every X row once reached.

Amounts are kept in millionths of a dollar (exact on both backends); months are UTC months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.connectors import holds, rules
from advisor_hub.connectors.models import ConnectorSetting, HoldCause, NetworkCharge, NetworkHold
from advisor_hub.errors import ValidationError
from advisor_hub.networks import find_urls
from advisor_hub.publishing.models import Post, PublicationTarget, TargetState
from advisor_hub.roles import Role, require_role

NETWORK = "x"
SETTINGS_KEY = "x_pricing"
MICROS = Decimal(1_000_000)
# Rows that may still be charged this month.
PENDING_STATES = (TargetState.SCHEDULED, TargetState.HELD, TargetState.PUBLISHING)


def to_micros(amount: Decimal) -> int:
    return int((amount * MICROS).to_integral_value())


def from_micros(micros: int) -> Decimal:
    return (Decimal(micros) / MICROS).quantize(Decimal("0.001"))


@dataclass(frozen=True)
class XPricing:
    price_post: Decimal
    price_post_with_link: Decimal
    monthly_cap: Decimal | None

    def price(self, with_link: bool) -> Decimal:
        return self.price_post_with_link if with_link else self.price_post


DEFAULT_PRICING = XPricing(rules.X_PRICE_POST, rules.X_PRICE_POST_WITH_LINK, None)


def x_pricing(session: Session) -> XPricing:
    row = session.get(ConnectorSetting, SETTINGS_KEY)
    if row is None:
        return DEFAULT_PRICING
    value = row.value or {}
    cap = value.get("monthly_cap")
    return XPricing(Decimal(value.get("price_post", str(rules.X_PRICE_POST))),
                    Decimal(value.get("price_post_with_link", str(rules.X_PRICE_POST_WITH_LINK))),
                    Decimal(cap) if cap not in (None, "") else None)


def _amount(value: Decimal | str | None, field: str, *, optional: bool = False) -> Decimal | None:
    if value in (None, "") and optional:
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise ValidationError(_l("Enter an amount in dollars, e.g. 0.015."), field=field) from error
    if not amount.is_finite() or amount < 0:
        raise ValidationError(_l("Enter an amount in dollars, e.g. 0.015."), field=field)
    return amount


def set_x_pricing(session: Session, *, actor: User, price_post: Decimal | str,
                  price_post_with_link: Decimal | str, monthly_cap: Decimal | str | None,
                  now: datetime) -> XPricing:
    """The administrator records X's current prices and, optionally, a monthly cap."""
    require_role(actor, Role.ADMIN)
    pricing = XPricing(_amount(price_post, "price_post"),  # type: ignore[arg-type]
                       _amount(price_post_with_link, "price_post_with_link"),  # type: ignore[arg-type]
                       _amount(monthly_cap, "monthly_cap", optional=True))
    before = x_pricing(session)
    row = session.get(ConnectorSetting, SETTINGS_KEY)
    if row is None:
        row = ConnectorSetting(key=SETTINGS_KEY)
        session.add(row)
    row.value = {"price_post": str(pricing.price_post),
                 "price_post_with_link": str(pricing.price_post_with_link),
                 "monthly_cap": None if pricing.monthly_cap is None else str(pricing.monthly_cap)}
    row.updated_by_id = actor.id
    row.updated_at = now
    session.flush()
    record(session, actor, "connectors.x_pricing", ("connector_settings", SETTINGS_KEY),
           _pricing_dict(before), _pricing_dict(pricing))
    return pricing


def _pricing_dict(pricing: XPricing) -> dict[str, str | None]:
    return {"price_post": str(pricing.price_post),
            "price_post_with_link": str(pricing.price_post_with_link),
            "monthly_cap": None if pricing.monthly_cap is None else str(pricing.monthly_cap)}


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    now = now.astimezone(UTC)
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    end = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def has_link(target: PublicationTarget) -> bool:
    """X charges more for a post carrying a URL: the post's link or one in its text."""
    return bool(target.post.link_url) or bool(find_urls(target.text))


def record_charge(session: Session, target: PublicationTarget, now: datetime, *,
                  hold_open_rows: bool = True) -> NetworkCharge | None:
    """X accepted ``target``: charge it once (a second call for the same row is ignored),
    then hold X if the month's cap is now reached. Other networks cost nothing."""
    if target.network != NETWORK:
        return None
    if session.scalar(select(NetworkCharge).where(NetworkCharge.target_id == target.id)):
        return None
    with_link = has_link(target)
    charge = NetworkCharge(network=NETWORK, target_id=target.id, account_id=target.account_id,
                           with_link=with_link,
                           amount_micros=to_micros(x_pricing(session).price(with_link)),
                           charged_at=now)
    try:
        with session.begin_nested():
            session.add(charge)
    except IntegrityError:
        return None
    enforce_cap(session, now, hold_open_rows=hold_open_rows)
    return charge


def month_spend(session: Session, now: datetime) -> Decimal:
    start, end = month_bounds(now)
    micros = session.scalar(select(func.coalesce(func.sum(NetworkCharge.amount_micros), 0)).where(
        NetworkCharge.network == NETWORK, NetworkCharge.charged_at >= start,
        NetworkCharge.charged_at < end)) or 0
    return from_micros(int(micros))


def _pending(session: Session, now: datetime) -> list[PublicationTarget]:
    _start, end = month_bounds(now)
    return list(session.scalars(
        select(PublicationTarget).join(Post, Post.id == PublicationTarget.post_id)
        .where(PublicationTarget.network == NETWORK,
               PublicationTarget.state.in_(PENDING_STATES),
               or_(PublicationTarget.due_at.is_(None), PublicationTarget.due_at < end))))


@dataclass(frozen=True)
class SpendReport:
    month_start: datetime
    spend: Decimal
    forecast: Decimal
    pending_posts: int
    pricing: XPricing

    @property
    def cap_reached(self) -> bool:
        return self.pricing.monthly_cap is not None and self.spend >= self.pricing.monthly_cap

    @property
    def forecast_over_cap(self) -> bool:
        return self.pricing.monthly_cap is not None and self.forecast > self.pricing.monthly_cap


def spend_report(session: Session, now: datetime) -> SpendReport:
    """The month's X spend, and the forecast: the spend plus every X row still to go out
    before the month ends, at the current prices."""
    pricing = x_pricing(session)
    spend = month_spend(session, now)
    pending = _pending(session, now)
    coming = sum((pricing.price(has_link(t)) for t in pending), Decimal(0))
    return SpendReport(month_bounds(now)[0], spend, spend + coming, len(pending), pricing)


def spend_allows(session: Session, target: PublicationTarget, now: datetime) -> bool:
    """Whether sending ``target`` stays within the monthly cap (no cap: yes)."""
    if target.network != NETWORK:
        return True
    pricing = x_pricing(session)
    if pricing.monthly_cap is None:
        return True
    return month_spend(session, now) + pricing.price(has_link(target)) <= pricing.monthly_cap


def enforce_cap(session: Session, now: datetime, *,
                hold_open_rows: bool = True) -> NetworkHold | None:
    """Hold every X row once the month's spend reaches the cap."""
    pricing = x_pricing(session)
    if pricing.monthly_cap is None:
        return None
    spend = month_spend(session, now)
    if spend < pricing.monthly_cap:
        return None
    return holds.hold_network(
        session, network=NETWORK, cause=HoldCause.SPEND_CAP, now=now,
        detail=f"spend {spend} USD reached the monthly cap {pricing.monthly_cap} USD",
        hold_open_rows=hold_open_rows)
