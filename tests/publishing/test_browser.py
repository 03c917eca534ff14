"""In Chromium: an advisor links a Sandbox account, schedules a library post two seconds
ahead, and sees it published with its link (the scheduler runs inside the live app)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from advisor_hub.accounts.models import User
from advisor_hub.db import transaction
from advisor_hub.publishing.models import LinkedAccount
from tests.browser_support import log_in
from tests.publishing.conftest import KEY

pytestmark = pytest.mark.xdist_group("browser")
EMAIL = "alice.advisor@demo.bank"


@pytest.fixture
def live_overrides(fakes: Any, sandbox: Any) -> dict[str, Any]:
    return {"TOKEN_ENCRYPTION_KEY": KEY, "SANDBOX_API_BASE": sandbox.url,
            "SCHEDULER_INTERVAL_SECONDS": 0.5}


@pytest.fixture
def scheduler(live_server: Any) -> Any:
    """The scheduler as ``make run`` starts it, once the demo bank is seeded."""
    from advisor_hub.publishing.scheduler import start_scheduler

    scheduler = start_scheduler(live_server.app)
    yield scheduler
    if scheduler.running:
        scheduler.shutdown(wait=True)


def test_link_schedule_and_see_it_published(live_server, scheduler, page, fakes, sandbox):
    version = fakes.library.add_version(text="Savings week at {{ branch_city }}!")
    log_in(page, live_server.url, EMAIL)
    page.goto(f"{live_server.url}/publishing/accounts")
    page.click("a[data-network=sandbox]")
    page.wait_for_url(f"{sandbox.url}/oauth/authorize*")
    page.check("input[name=login][value=alice]")  # the Sandbox's consent form, under its CSP
    page.click("button[value=approve]")
    page.wait_for_url(f"{live_server.url}/publishing/accounts")
    assert page.locator("[data-state=pending_approval]").count() == 1
    app = live_server.app
    with app.app_context(), transaction() as session:
        account = session.scalars(select(LinkedAccount)).one()
        fakes.approvals.decide(session, account.review_id, "approved")
        zone = ZoneInfo(session.scalars(select(User).where(User.email == EMAIL)).one()
                        .time_zone)
    page.goto(f"{live_server.url}/publishing/compose?version_id={version.id}")
    page.check("input[name=account_ids]")
    page.check("input[name=when_mode][value=later]")
    page.wait_for_selector("#previews .card[data-network=sandbox]")
    when = datetime.now(zone) + timedelta(seconds=2)
    page.fill("input[name=when]", when.strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("#composer [type=submit]")
    page.wait_for_url(f"{live_server.url}/publishing/posts/*")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        page.goto(f"{live_server.url}/publishing/posts")
        if page.locator("a.published-link").count():
            break
        time.sleep(0.5)
    link = page.locator("a.published-link").first
    assert link.get_attribute("href").startswith(f"{sandbox.url}/posts/")
    assert page.locator("[data-state=published]").count() >= 1
    assert sandbox.state.stats()["posts"] == 1
