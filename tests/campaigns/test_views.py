"""The campaign screens: marketing writes and submits a campaign, compliance approves it in
the queue, the advisor sees the invitation's calendar, opts in (twice: once), sees "My
calendar", skips and leaves; the suggestions on the home page; the adoption page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from advisor_hub.campaigns.models import Campaign, CampaignPost, CampaignState
from advisor_hub.publishing.models import Post, PostState
from approvals import services as approvals
from tests.campaigns.conftest import days_ahead


def test_marketing_writes_and_submits_a_campaign(client, auth, db_session, bank) -> None:
    version = bank.version("Open on Saturday")
    db_session.flush()
    auth.login(bank.marketing)
    start = days_ahead(3)
    response = client.post("/campaigns/manage/new", data={
        "name": "Saturday", "goal": "Tell clients", "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=7)).isoformat(), "time_mode": "advisor",
        "time_zone": "Europe/Paris", "branch_ids": [bank.lyon.id], "languages": ["en"]})
    assert response.status_code == 302
    campaign = db_session.scalars(select(Campaign)).one()
    assert campaign.branch_ids == [bank.lyon.id] and campaign.languages == ["en"]
    client.post(f"/campaigns/manage/{campaign.id}/steps",
                data={"version_id": version.id, "day": 2, "send_time": "10:15"})
    assert [(s.day_offset, s.send_time) for s in campaign.steps] == [(1, "10:15")]
    page = client.get(f"/campaigns/manage/{campaign.id}")
    assert b"Open on Saturday" in page.data and b"10:15" in page.data
    client.post(f"/campaigns/manage/{campaign.id}/submit")
    db_session.refresh(campaign)
    assert campaign.state == CampaignState.IN_REVIEW
    auth.logout()
    auth.login(bank.compliance)
    review = client.get(f"/review/{campaign.review_id}")
    assert review.status_code == 200 and b"10:15" in review.data


def test_the_advisor_sees_the_calendar_opts_in_once_and_leaves(client, auth, db_session,
                                                                bank) -> None:
    alice = bank.advisor(time_zone="America/New_York")
    campaign = bank.campaign([(bank.version("First"), 0, "09:00"),
                              (bank.version("Second"), 1, "09:00")])
    db_session.flush()
    auth.login(alice)
    assert f"/campaigns/{campaign.id}".encode() in client.get("/campaigns/").data
    page = client.get(f"/campaigns/{campaign.id}")
    assert page.status_code == 200
    assert page.data.count(b"If you opt in") == 2 and b"First" in page.data
    assert f"#{campaign.review_id}".encode() in page.data  # the compliance proof
    account = next(a for a in bank.accounts.values() if a.user_id == alice.id)
    for _ in range(2):  # twice, e.g. a double click
        client.post(f"/campaigns/{campaign.id}/join", data={"account_ids": [account.id]})
    assert db_session.scalar(select(func.count(Post.id)).where(
        Post.author_id == alice.id)) == 2
    page = client.get(f"/campaigns/{campaign.id}")
    assert page.data.count(b'data-state="scheduled"') == 2
    # 09:00 on the advisor's clock (New York: 14:00 UTC in winter, 13:00 in summer).
    assert b"9:00:00\xe2\x80\xafAM</time>" in page.data
    start = campaign.start_date.isoformat()
    calendar = client.get(f"/campaigns/calendar?view=week&date={start}")
    assert calendar.status_code == 200 and b"Spring savings" in calendar.data
    month = client.get(f"/campaigns/calendar?date={start}")
    assert month.data.count(b"data-post=") == 2
    step = campaign.steps[0]
    client.post(f"/campaigns/{campaign.id}/steps/{step.id}/skip")
    client.post(f"/campaigns/{campaign.id}/leave")
    states = {db_session.get(Post, r.post_id).state
              for r in db_session.scalars(select(CampaignPost))}
    assert states == {PostState.CANCELLED}


def test_an_advisor_outside_the_audience_sees_nothing(client, auth, db_session, bank) -> None:
    outsider = bank.advisor(bank.paris)
    campaign = bank.campaign([(bank.version(), 0, "09:00")], branch_ids=[bank.lyon.id])
    db_session.flush()
    auth.login(outsider)
    assert client.get(f"/campaigns/{campaign.id}").status_code == 404


def test_home_and_library_suggest_posts(client, auth, db_session, bank) -> None:
    alice = bank.advisor()
    bank.version("Fresh idea")
    db_session.flush()
    auth.login(alice)
    home = client.get("/")
    assert b'data-testid="suggested"' in home.data and b"Fresh idea" in home.data
    assert b"new this week" in home.data
    assert b'data-testid="suggested"' in client.get("/library/").data


def test_the_invitation_in_french(client, auth, db_session, bank) -> None:
    bruno = bank.advisor(language="fr")
    campaign = bank.campaign([(bank.version(), 0, "09:00")])
    db_session.flush()
    auth.login(bruno)
    page = client.get(f"/campaigns/{campaign.id}")
    assert b"Ce qui part sur vos comptes" in page.data
    assert "Preuve de conformité".encode() in page.data


def test_the_adoption_page(client, auth, db_session, bank) -> None:
    alice = bank.advisor()
    campaign = bank.campaign([(bank.version(), 0, "09:00")])
    from advisor_hub.campaigns import services as campaigns

    campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=alice)
    db_session.flush()
    auth.login(bank.marketing)
    page = client.get("/campaigns/adoption")
    assert page.status_code == 200 and b"Spring savings" in page.data
    detail = client.get(f"/campaigns/manage/{campaign.id}")
    assert b'data-testid="counts"' in detail.data
    assert approvals.get_approval(db_session, campaign.review_id).stands
