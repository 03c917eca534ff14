"""In Chromium: an advisor opens the invitation from their notifications, sees the calendar
of what the campaign would publish on their Sandbox account and when, opts in, and the first
post is published on the Sandbox (the scheduler runs inside the live app; real approvals
and library)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from advisor_hub.accounts.models import User
from advisor_hub.campaigns import services as campaigns
from advisor_hub.db import transaction
from advisor_hub.networks import TokenCipher
from advisor_hub.publishing.linking import link_account
from advisor_hub.sandbox import SandboxServer
from approvals import services as approvals
from content_library import services as library
from tests.browser_support import log_in
from tests.publishing.conftest import KEY, oauth_link

pytestmark = pytest.mark.xdist_group("browser")
EMAIL = "alice.advisor@demo.bank"


@pytest.fixture
def sandbox() -> Any:
    with SandboxServer({"ENABLE_CONTROL": True}) as server:
        yield server


@pytest.fixture
def live_overrides(sandbox: Any) -> dict[str, Any]:
    return {"TOKEN_ENCRYPTION_KEY": KEY, "SANDBOX_API_BASE": sandbox.url,
            "SCHEDULER_INTERVAL_SECONDS": 0.5, "CAMPAIGN_STAGGER_MINUTES": 0}


@pytest.fixture
def scheduler(live_server: Any) -> Any:
    from advisor_hub.publishing.scheduler import start_scheduler

    scheduler = start_scheduler(live_server.app)
    yield scheduler
    if scheduler.running:
        scheduler.shutdown(wait=True)


def _user(session: Any, email: str) -> User:
    return session.scalars(select(User).where(User.email == email)).one()


def test_open_the_invitation_see_the_calendar_opt_in_and_see_it_published(
        live_server, scheduler, page, sandbox) -> None:
    # The first post goes out at the next full minute at least 40 seconds away (UTC, the
    # campaign's one clock); the second a day later.
    first = (datetime.now(UTC) + timedelta(seconds=100)).replace(second=0, microsecond=0)
    with live_server.app.app_context(), transaction() as session:
        alice = _user(session, EMAIL)
        marc, claire = (_user(session, "marc.marketing@demo.bank"),
                        _user(session, "claire.compliance@demo.bank"))
        profile, tokens = oauth_link(sandbox.url, "alice")
        account = link_account(session, user=alice, network="sandbox",
                               account=profile.accounts[0], tokens=tokens,
                               cipher=TokenCipher(KEY))
        approvals.decide(session, review_id=account.review_id, actor=claire,
                         decision="approve")
        version = library.create_item(session, actor=marc, fields=library.ItemFields(
            title="Saturday mornings", text="Our branch is now open on Saturday mornings.",
            networks=["linkedin"]))
        library.submit_version(session, actor=marc, version_id=version.id)
        approvals.decide(session, review_id=version.review_id, actor=claire,
                         decision="approve")
        campaign = campaigns.create_campaign(session, actor=marc, fields=campaigns.CampaignFields(
            name="Saturday opening", start_date=first.date(),
            end_date=first.date() + timedelta(days=2), time_mode="firm", time_zone="UTC"))
        for day in (0, 1):
            campaigns.add_step(session, actor=marc, campaign_id=campaign.id,
                               step=campaigns.StepFields(version.id, day,
                                                         first.strftime("%H:%M")))
        campaigns.submit_campaign(session, actor=marc, campaign_id=campaign.id)
        approvals.decide(session, review_id=campaign.review_id, actor=claire,
                         decision="approve")
        campaign_id = campaign.id
    assert first - datetime.now(UTC) > timedelta(seconds=30), "set-up took too long"
    log_in(page, live_server.url, EMAIL)
    page.goto(f"{live_server.url}/notifications")
    page.click(f"a[href='/campaigns/{campaign_id}']")
    page.wait_for_url(f"{live_server.url}/campaigns/{campaign_id}")
    rows = page.locator("[data-testid=campaign-calendar] tbody tr")
    assert rows.count() == 2
    assert "Saturday mornings" in rows.first.inner_text()
    assert "If you opt in" in rows.first.inner_text()
    assert page.locator("[data-testid=proof]").count() == 1
    page.click("[data-testid=opt-in] [type=submit]")
    page.wait_for_url(f"{live_server.url}/campaigns/{campaign_id}")
    assert page.locator("[data-testid=campaign-calendar] [data-state=scheduled]").count() == 2
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and sandbox.state.stats()["posts"] < 1:
        time.sleep(1)
    assert sandbox.state.stats()["posts"] == 1
    page.goto(f"{live_server.url}/campaigns/calendar?date={first.date().isoformat()}")
    assert page.locator("[data-testid=calendar] [data-state=published]").count() == 1
