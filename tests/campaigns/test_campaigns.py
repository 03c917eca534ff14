"""Campaigns through the real approvals and library: approval as a whole (separation of
duties), invitations, opt-in in each advisor's time zone (DST included), idempotent opt-in,
skip, leave, a retired item, the planned posts composed by the job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from advisor_hub.campaigns import services as campaigns
from advisor_hub.campaigns.errors import CampaignClosed, NotInAudience
from advisor_hub.campaigns.models import (
    CampaignMember,
    CampaignPost,
    CampaignPostState,
    CampaignState,
    MemberState,
)
from advisor_hub.errors import DomainError, ValidationError
from advisor_hub.notifications.models import Notification
from advisor_hub.publishing.models import Post, PostState, TargetState
from approvals import services as approvals
from approvals.models import ReviewRequest
from content_library import services as library
from tests.campaigns.conftest import days_ahead, next_dst_change

pytestmark = pytest.mark.both_backends


def _rows(session, campaign, advisor=None):
    query = select(CampaignPost).where(CampaignPost.campaign_id == campaign.id)
    if advisor is not None:
        query = query.where(CampaignPost.advisor_id == advisor.id)
    return list(session.scalars(query.order_by(CampaignPost.scheduled_at, CampaignPost.id)))


def _notices(session, user):
    return [n.message for n in session.scalars(select(Notification).where(
        Notification.user_id == user.id).order_by(Notification.id))]


def test_compliance_approves_the_campaign_as_a_whole(db_session, bank, ctx):
    alice = bank.advisor()
    bob = bank.advisor(bank.paris)
    version = bank.version()
    campaign = bank.draft_campaign([(version, 0, "09:00"), (version, 1, "10:30")],
                                   branch_ids=[bank.lyon.id])
    campaigns.submit_campaign(db_session, actor=bank.marketing, campaign_id=campaign.id)
    review = db_session.get(ReviewRequest, campaign.review_id)
    assert (review.kind, review.subject_id) == ("campaign", campaign.id)
    assert "day 2" in review.text and "10:30" in review.text and "Lyon" in review.text
    assert f"approval {version.review_id}" in review.text
    assert campaign.state == CampaignState.IN_REVIEW
    with pytest.raises(DomainError):  # frozen while in review
        campaigns.add_step(db_session, actor=bank.marketing, campaign_id=campaign.id,
                           step=campaigns.StepFields(version.id, 0, "11:00"))
    approvals.decide(db_session, review_id=review.id, actor=bank.compliance,
                     decision="approve")
    assert campaign.state == CampaignState.APPROVED
    assert campaign.approved_by_id == bank.compliance.id
    members = db_session.scalars(select(CampaignMember.advisor_id).where(
        CampaignMember.campaign_id == campaign.id)).all()
    assert members == [alice.id]  # Bob's branch is not in the audience
    assert any("invited" in m for m in _notices(db_session, alice))
    assert not any("invited" in m for m in _notices(db_session, bob))


def test_the_creator_cannot_approve_their_own_campaign(db_session, bank, factory, ctx):
    both = factory.user("marketing", "compliance")
    version = bank.version()
    bank.marketing = both
    campaign = bank.draft_campaign([(version, 0, "09:00")])
    campaigns.submit_campaign(db_session, actor=both, campaign_id=campaign.id)
    with pytest.raises(DomainError):
        approvals.decide(db_session, review_id=campaign.review_id, actor=both,
                         decision="approve")
    # The decision handler refuses it too, whatever calls it.
    review = db_session.get(ReviewRequest, campaign.review_id)
    review.decided_by_id = both.id
    with pytest.raises(DomainError):
        campaigns.on_campaign_decision(db_session, campaign.id, "approved", review)
    assert campaign.state == CampaignState.IN_REVIEW


def test_only_approved_library_posts_can_be_steps(db_session, bank, ctx):
    draft = library.create_item(db_session, actor=bank.marketing, fields=library.ItemFields(
        title="Draft", text="Not approved yet.", networks=["x"]))
    campaign = bank.draft_campaign([])
    with pytest.raises(ValidationError):
        campaigns.add_step(db_session, actor=bank.marketing, campaign_id=campaign.id,
                           step=campaigns.StepFields(draft.id, 0, "09:00"))
    with pytest.raises(ValidationError):  # nothing to approve
        campaigns.submit_campaign(db_session, actor=bank.marketing, campaign_id=campaign.id)


def test_opt_in_schedules_in_each_advisors_time_zone_across_a_dst_change(db_session, bank,
                                                                           ctx):
    change = next_dst_change("Europe/Paris")
    paris = bank.advisor(time_zone="Europe/Paris")
    tokyo = bank.advisor(time_zone="Asia/Tokyo")  # no DST
    version = bank.version()
    campaign = bank.campaign([(version, 0, "09:00"), (version, 1, "09:00")],
                             start=change - timedelta(days=1))
    # The next change may be months away: compose everything now (approvals last long).
    ctx.config.update(CAMPAIGN_SCHEDULE_AHEAD_DAYS=1000, REVIEW_EXPIRY_DAYS=1000)
    for advisor in (paris, tokyo):
        result = campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=advisor)
        assert result.scheduled == 2 and result.not_scheduled == []
    paris_times = [r.scheduled_at for r in _rows(db_session, campaign, paris)]
    offsets = [datetime.combine(d, datetime.min.time().replace(hour=9),
                                tzinfo=UTC) - t for d, t in zip(
        (change - timedelta(days=1), change), paris_times, strict=True)]
    assert offsets[0] != offsets[1]  # the same 09:00 wall clock, one hour apart in UTC
    assert {o.total_seconds() / 3600 for o in offsets} <= {1.0, 2.0}
    tokyo_times = [r.scheduled_at for r in _rows(db_session, campaign, tokyo)]
    assert [t.hour for t in tokyo_times] == [0, 0]  # 09:00 JST is 00:00 UTC, both days
    for row in _rows(db_session, campaign):
        post = db_session.get(Post, row.post_id)
        assert post.state == PostState.SCHEDULED and post.review_id is not None
        assert post.scheduled_at == row.scheduled_at
        assert post.targets[0].due_at == row.scheduled_at


def test_firm_time_is_the_same_instant_for_everyone(db_session, bank, ctx):
    paris = bank.advisor(time_zone="Europe/Paris")
    tokyo = bank.advisor(time_zone="Asia/Tokyo")
    campaign = bank.campaign([(bank.version(), 1, "12:00")], time_mode="firm",
                             time_zone="America/New_York")
    for advisor in (paris, tokyo):
        campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=advisor)
    times = {r.scheduled_at for r in _rows(db_session, campaign)}
    assert len(times) == 1


def test_opting_in_twice_schedules_once(db_session, bank, ctx):
    alice = bank.advisor(accounts=2)
    campaign = bank.campaign([(bank.version(), 0, "09:00"), (bank.version("B"), 1, "09:00")])
    first = campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=alice)
    second = campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=alice)
    assert (first.scheduled, second.scheduled, second.already) == (4, 0, 4)
    rows = _rows(db_session, campaign, alice)
    assert len(rows) == 4 and len({r.post_id for r in rows}) == 2  # one post per step
    assert db_session.scalar(select(func.count(Post.id)).where(
        Post.author_id == alice.id)) == 2


def test_opt_in_is_refused_outside_the_audience_or_the_period(db_session, bank, ctx):
    outsider = bank.advisor(bank.paris)
    campaign = bank.campaign([(bank.version(), 0, "09:00")], branch_ids=[bank.lyon.id])
    with pytest.raises(NotInAudience):
        campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=outsider)
    insider = bank.advisor(bank.lyon)
    campaigns.end_campaign(db_session, actor=bank.marketing, campaign_id=campaign.id)
    with pytest.raises(CampaignClosed):
        campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=insider)
    nobody = bank.advisor(accounts=0)
    other = bank.campaign([(bank.version(), 0, "09:00")])
    with pytest.raises(ValidationError):  # no active account
        campaigns.opt_in(db_session, campaign_id=other.id, advisor=nobody)


def test_skip_one_post_then_leave(db_session, bank, ctx):
    alice = bank.advisor()
    first, second, third = bank.version("One"), bank.version("Two"), bank.version("Three")
    campaign = bank.campaign([(first, 0, "09:00"), (second, 1, "09:00"), (third, 2, "09:00")])
    campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=alice)
    step_two = campaign.steps[1]
    skipped = campaigns.skip_step(db_session, campaign_id=campaign.id, step_id=step_two.id,
                                  advisor=alice)
    assert [c.title for c in skipped] == ["Two"]
    states = {r.step.title: r.state for r in _rows(db_session, campaign, alice)}
    assert states == {"One": CampaignPostState.SCHEDULED, "Two": CampaignPostState.SKIPPED,
                      "Three": CampaignPostState.SCHEDULED}
    skipped_post = db_session.get(Post, _rows(db_session, campaign, alice)[1].post_id)
    assert skipped_post.state == PostState.CANCELLED
    left = campaigns.leave(db_session, campaign_id=campaign.id, advisor=alice)
    assert sorted(c.title for c in left) == ["One", "Three"]
    assert all(db_session.get(Post, r.post_id).state == PostState.CANCELLED
               for r in _rows(db_session, campaign, alice))
    member = campaigns.member_of(db_session, campaign.id, alice)
    assert member.state == MemberState.LEFT
    assert any("You left the campaign" in m for m in _notices(db_session, alice))
    # Opting in again takes back what leaving released (not the skipped post), once.
    again = campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=alice)
    assert again.scheduled == 2
    live = [r for r in _rows(db_session, campaign, alice)
            if r.state == CampaignPostState.SCHEDULED]
    assert sorted(r.step.title for r in live) == ["One", "Three"]
    assert all(db_session.get(Post, r.post_id).state == PostState.SCHEDULED for r in live)


def test_a_retired_item_cancels_its_future_campaign_posts_everywhere(db_session, bank, ctx):
    alice, bob = bank.advisor(), bank.advisor(bank.paris)
    kept, retired = bank.version("Kept"), bank.version("Retired")
    campaign = bank.campaign([(kept, 0, "09:00"), (retired, 1, "09:00"), (retired, 40, "09:00")])
    for advisor in (alice, bob):
        campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=advisor)
    planned = [r for r in _rows(db_session, campaign) if r.state == CampaignPostState.PLANNED]
    assert len(planned) == 2  # day 41 is beyond the horizon: not composed yet
    library.retire_item(db_session, actor=bank.marketing, item_id=retired.item_id)
    for advisor in (alice, bob):
        rows = {r.step.day_offset: r for r in _rows(db_session, campaign, advisor)}
        assert rows[0].state == CampaignPostState.SCHEDULED
        assert rows[1].state == rows[40].state == CampaignPostState.RETIRED
        post = db_session.get(Post, rows[1].post_id)
        assert post.state == PostState.CANCELLED
        assert post.targets[0].state == TargetState.CANCELLED
        assert "retired" in post.targets[0].last_error
        assert db_session.get(Post, rows[0].post_id).state == PostState.SCHEDULED
        assert any("was retired" in m for m in _notices(db_session, advisor))


def test_the_job_composes_planned_posts_as_their_time_nears(db_session, bank, ctx):
    alice = bank.advisor()
    campaign = bank.campaign([(bank.version(), 30, "09:00")], end=days_ahead(40))
    campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=alice)
    (row,) = _rows(db_session, campaign, alice)
    assert row.state == CampaignPostState.PLANNED and row.post_id is None
    campaigns.compose_planned(db_session, datetime.now(UTC))  # not yet within 14 days
    assert row.state == CampaignPostState.PLANNED
    campaigns.compose_planned(db_session, row.scheduled_at - timedelta(days=3))
    db_session.refresh(row)
    assert row.state == CampaignPostState.SCHEDULED and row.post_id is not None
    campaigns.compose_planned(db_session, row.scheduled_at - timedelta(days=3))
    assert db_session.scalar(select(func.count(Post.id)).where(
        Post.author_id == alice.id)) == 1
