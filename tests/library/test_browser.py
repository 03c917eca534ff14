"""In Chromium: a curator creates an item, a reviewer approves it, an advisor finds it by
searching (without accents) and previews it personalised.

The approvals package is not merged yet, so the review request is opened through the library's
seam (``content_library.review``, faked by tests/library/conftest.py) and the reviewer's
approval is delivered through ``review.decide`` exactly as approvals' callback will deliver it.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from advisor_hub.accounts.models import User
from advisor_hub.db import transaction
from advisor_hub.demo import DEMO_PASSWORD
from content_library import review
from content_library.models import LibraryItemVersion

pytestmark = pytest.mark.browser


def _login(page, base: str, email: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form:has(input[name=email]) [type=submit]")
    page.wait_for_url(f"{base}/")


def _logout(page) -> None:  # noqa: ANN001
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")


def test_curator_creates_reviewer_approves_advisor_finds_and_previews(live_server, page
                                                                      ) -> None:
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())

    _login(page, base, "marc.marketing@demo.bank")
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

    # The reviewer's decision, as the approvals package delivers it.
    with live_server.app.app_context(), transaction() as session:
        version = session.scalar(select(LibraryItemVersion)
                                 .where(LibraryItemVersion.title == "Épargne solidaire"))
        reviewer = session.scalar(select(User)
                                  .where(User.email == "claire.compliance@demo.bank"))
        assert version.status == "in_review"
        review.decide(session, review.ITEM_KIND, version.id, "approved",
                      SimpleNamespace(id=version.review_id, decided_by_id=reviewer.id))

    _login(page, base, "alice.advisor@demo.bank")
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
