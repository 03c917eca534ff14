"""Staggering: each advisor's campaign posts are shifted by a fixed offset within
CAMPAIGN_STAGGER_MINUTES, spread over the window, and the dispatcher sends none early."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from advisor_hub.campaigns import services as campaigns
from advisor_hub.campaigns.models import CampaignPost
from advisor_hub.campaigns.schedule import stagger_offset
from advisor_hub.db import database, utcnow
from advisor_hub.publishing.dispatch import Dispatcher
from tests.publishing.helpers import pass_time


def test_offsets_are_deterministic_and_spread_over_the_window() -> None:
    window = 30
    offsets = [stagger_offset(7, advisor_id, window) for advisor_id in range(1, 501)]
    assert offsets == [stagger_offset(7, a, window) for a in range(1, 501)]
    assert all(timedelta(0) <= o < timedelta(minutes=window) for o in offsets)
    assert max(Counter(o.seconds for o in offsets).values()) <= 3  # not 500 at once
    per_minute = Counter(o.seconds // 60 for o in offsets)
    assert len(per_minute) == window  # every minute of the window is used
    assert max(per_minute.values()) <= 3 * 500 / window  # roughly even
    assert stagger_offset(7, 1, 0) == timedelta(0)


@pytest.fixture
def app_overrides() -> dict:
    return {"CAMPAIGN_STAGGER_MINUTES": 30, "DISPATCH_WORKERS": 1}


def test_posts_are_due_across_the_window_and_not_sent_early(db_session, bank, ctx,
                                                          app: Flask) -> None:
    advisors = [bank.advisor() for _ in range(12)]
    campaign = bank.campaign([(bank.version(), 1, "09:00")])
    for advisor in advisors:
        campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=advisor)
    rows = list(db_session.scalars(select(CampaignPost)))
    base = min(campaigns.when_for(campaign, campaign.steps[0], a, stagger=0) for a in advisors)
    dues = sorted(r.scheduled_at for r in rows)
    assert len(dues) == 12
    assert all(base <= d < base + timedelta(minutes=30) for d in dues)
    assert len(set(dues)) == 12 and dues[-1] - dues[0] > timedelta(minutes=10)
    for row, advisor in zip(sorted(rows, key=lambda r: r.advisor_id),
                            sorted(advisors, key=lambda a: a.id), strict=True):
        assert row.scheduled_at == campaigns.when_for(campaign, campaign.steps[0], advisor,
                                                      stagger=0) + \
            stagger_offset(campaign.id, advisor.id, 30)
    db_session.flush()
    middle = dues[5] + (dues[6] - dues[5]) / 2
    dispatcher = Dispatcher(database(app).sessionmaker, app.config)
    try:
        # The dispatcher reads "now" from the database: move the rows' times instead.
        pass_time(db_session, (base - timedelta(seconds=1) - utcnow()).total_seconds())
        assert dispatcher.run_once().claimed == 0
        pass_time(db_session, (middle - base + timedelta(seconds=1)).total_seconds())
        assert dispatcher.run_once().claimed == 6  # only those due by then
    finally:
        dispatcher.close()
