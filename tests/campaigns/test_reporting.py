"""The adoption figures: the funnel over the advisors invited to a campaign, a campaign's
reach, the digest's effect."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from advisor_hub.campaigns import reporting
from advisor_hub.campaigns import services as campaigns
from advisor_hub.campaigns.models import CampaignPost
from advisor_hub.db import utcnow
from advisor_hub.publishing.models import AccountStatus, Post, PostState, TargetState

pytestmark = pytest.mark.both_backends


def _publish(session, post: Post, when) -> None:
    for target in post.targets:
        target.state, target.published_at = TargetState.PUBLISHED, when
    post.state = PostState.PUBLISHED
    session.flush()


def test_funnel_reach_and_digest_effect(db_session, bank, ctx) -> None:
    active, lapsed, linked_only = bank.advisor(), bank.advisor(), bank.advisor()
    never = bank.advisor(accounts=1)
    next(a for a in bank.accounts.values() if a.user_id == never.id).status = \
        AccountStatus.UNLINKED
    bank.advisor(bank.paris)  # not in the audience: not invited
    campaign = bank.campaign([(bank.version("A"), 0, "09:00"), (bank.version("B"), 1,
                                                                "09:00")],
                             branch_ids=[bank.lyon.id])
    for advisor in (active, lapsed, linked_only):
        campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=advisor)
    rows = {(r.advisor_id, r.step.day_offset): r for r in db_session.scalars(
        select(CampaignPost))}
    now = utcnow()
    _publish(db_session, db_session.get(Post, rows[(active.id, 0)].post_id), now)
    _publish(db_session, db_session.get(Post, rows[(lapsed.id, 0)].post_id),
             now - timedelta(days=45))
    campaigns.skip_step(db_session, campaign_id=campaign.id,
                        step_id=rows[(linked_only.id, 1)].step_id, advisor=linked_only)
    campaigns.leave(db_session, campaign_id=campaign.id, advisor=lapsed)
    figures = reporting.adoption(db_session, actor=bank.marketing, now=now)
    assert figures.funnel == reporting.Funnel(invited=4, linked=3, first_post=2, active=1)
    (reach,) = figures.reach
    assert (reach.invited, reach.opted_in, reach.left) == (4, 2, 1)
    assert (reach.published, reach.scheduled, reach.skipped, reach.cancelled) == (2, 2, 1, 1)
    assert figures.digest == reporting.DigestEffect(0, 0, 0, 0)
