"""X costs: admin-set prices, the month's spend, a forecast from the scheduled rows, and a cap
that holds every X row once reached."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from advisor_hub.connectors import costs, holds
from advisor_hub.errors import PermissionDenied, ValidationError
from tests.connectors.conftest import NOW

pytestmark = pytest.mark.both_backends


def test_default_prices_are_the_published_ones(db_session) -> None:
    pricing = costs.x_pricing(db_session)
    assert pricing.price(False) == Decimal("0.015")
    assert pricing.price(True) == Decimal("0.200")
    assert pricing.monthly_cap is None


def test_only_an_admin_sets_prices_and_they_must_be_amounts(db_session, factory) -> None:
    admin = factory.user("admin")
    with pytest.raises(PermissionDenied):
        costs.set_x_pricing(db_session, actor=factory.user("marketing"), price_post="0.02",
                            price_post_with_link="0.3", monthly_cap=None, now=NOW)
    with pytest.raises(ValidationError):
        costs.set_x_pricing(db_session, actor=admin, price_post="-1",
                            price_post_with_link="0.3", monthly_cap=None, now=NOW)
    costs.set_x_pricing(db_session, actor=admin, price_post="0.02",
                        price_post_with_link="0.3", monthly_cap="10", now=NOW)
    assert costs.x_pricing(db_session) == costs.XPricing(Decimal("0.02"), Decimal("0.3"),
                                                         Decimal("10"))


def test_spend_forecast_and_the_cap(db_session, factory, outbox) -> None:
    admin, alice = factory.user("admin"), factory.user("advisor")
    x = outbox.account(alice, "x")
    linkedin = outbox.account(alice, "linkedin")
    sent = [outbox.row(x, NOW, state="published"),
            outbox.row(x, NOW, text="See https://example.com", state="published")]
    outbox.row(linkedin, NOW, state="published")
    for row in sent:
        costs.record_charge(db_session, row, NOW)
        costs.record_charge(db_session, row, NOW)  # charged once
    assert costs.record_charge(db_session, outbox.row(linkedin, NOW), NOW) is None
    assert costs.month_spend(db_session, NOW) == Decimal("0.215")
    assert costs.month_spend(db_session, NOW + timedelta(days=31)) == Decimal("0")

    coming = outbox.row(x, NOW + timedelta(days=3), link_url="https://example.com/a")
    outbox.row(x, NOW + timedelta(days=60))  # next month: not in this month's forecast
    report = costs.spend_report(db_session, NOW)
    assert report.forecast == Decimal("0.415") and report.pending_posts == 1

    costs.set_x_pricing(db_session, actor=admin, price_post="0.015",
                        price_post_with_link="0.2", monthly_cap="0.4", now=NOW)
    assert costs.spend_report(db_session, NOW).forecast_over_cap
    assert not costs.spend_allows(db_session, coming, NOW)
    assert costs.enforce_cap(db_session, NOW) is None  # 0.215 spent: not reached yet
    third = outbox.row(x, NOW, text="https://example.com/b", state="published")
    costs.record_charge(db_session, third, NOW)  # 0.415 >= 0.4: every X row held
    hold = holds.active_hold_for(db_session, "x")
    assert hold is not None and hold.cause == "spend_cap"
    db_session.refresh(coming)
    assert coming.state == "held"
