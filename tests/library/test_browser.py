"""In Chromium: a curator creates an item, a reviewer approves it in the review queue (the
approvals package's screens), an advisor finds it by searching (without accents) and previews
it personalised."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from advisor_hub.db import transaction
from content_library.models import LibraryItemVersion, Status
from tests.browser_support import log_in

pytestmark = pytest.mark.browser



def _logout(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")


def test_curator_creates_reviewer_approves_advisor_finds_and_previews(live_server, page,
                                                                      real_approvals) -> None:
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())

    log_in(page, base, "marc.marketing@demo.bank")
    page.goto(f"{base}/library/manage/new")
    page.fill("input[name=title]", "Épargne solidaire")
    page.fill("textarea[name=text]",
              "Donnez du sens à votre épargne avec {advisor_first_name}, à {branch_city}.")
    page.check("input[name=placeholders][value=advisor_first_name]")
    page.check("input[name=placeholders][value=branch_city]")
    page.uncheck("input[name=networks][value=facebook]")
    page.check("input[name=networks][value=x]")
    assert page.locator("[data-counter-network=x] .count").inner_text() == "74"
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved").wait_for()
    page.get_by_role("button", name="Send version 1 for review").click()
    page.get_by_text("Sent to compliance for review.").wait_for()
    _logout(page)

    with live_server.app.app_context(), transaction() as session:
        version = session.scalar(select(LibraryItemVersion)
                                 .where(LibraryItemVersion.title == "Épargne solidaire"))
        assert version.status == Status.IN_REVIEW
        version_id, review_id = version.id, version.review_id

    log_in(page, base, "claire.compliance@demo.bank")
    page.get_by_role("link", name="Review queue").first.click()
    page.locator(f'tr[data-review-id="{review_id}"]').get_by_role("link").click()
    page.wait_for_url(f"{base}/review/{review_id}")
    page.get_by_role("button", name="Start review").click()
    page.wait_for_url(f"{base}/review/{review_id}")
    page.get_by_label("Approve", exact=True).check()
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(f"{base}/review/")
    _logout(page)
    with live_server.app.app_context(), transaction() as session:
        assert session.get(LibraryItemVersion, version_id).status == Status.APPROVED

    log_in(page, base, "alice.advisor@demo.bank")
    page.goto(f"{base}/library/")
    page.fill("input[name=q]", "epargne solidaire")
    page.press("input[name=q]", "Enter")
    cards = page.locator("[data-testid=library-card]")
    cards.first.wait_for()
    assert cards.count() == 1
    assert "Épargne solidaire" in cards.first.inner_text()
    cards.first.get_by_role("link", name="Use this post").click()
    preview = page.locator("[data-testid=post-preview]")
    assert preview.inner_text() == "Donnez du sens à votre épargne avec Alice, à Lyon."
