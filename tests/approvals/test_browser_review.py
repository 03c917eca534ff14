"""Through Chromium: a reviewer rejects an advisor's content with a reason; the advisor sees
the decision and the reason.

Posts belong to the publishing package (built in parallel), so the item reviewed here is of
the test-only kind registered in tests/approvals/conftest.py; the queue, the review page,
the decision and the notification are the real ones.
"""

from __future__ import annotations

import pytest

from advisor_hub.accounts import services as accounts
from advisor_hub.db import transaction
from approvals import services
from approvals.models import ReviewRequest
from tests.approvals.conftest import TEST_KIND
from tests.browser_support import log_in

pytestmark = pytest.mark.browser



def test_reviewer_rejects_with_a_reason_and_the_advisor_sees_it(live_server, page) -> None:
    with live_server.app.app_context(), transaction() as session:
        alice = accounts.find_user_by_email(session, "alice.advisor@demo.bank")
        review = services.submit_for_review(
            session, kind=TEST_KIND, subject_id=4242, author=alice,
            content=services.ReviewContent("Double your money with our <new> fund!",
                                           title="New fund"),
            networks=["linkedin"], branch_id=alice.branch_id)
        review_id = review.id
    base = live_server.url

    log_in(page, base, "claire.compliance@demo.bank")
    page.get_by_role("link", name="Review queue").first.click()
    row = page.locator(f'tr[data-review-id="{review_id}"]')
    assert "Alice Martin" in row.inner_text()
    row.get_by_role("link").click()
    page.wait_for_url(f"{base}/review/{review_id}")
    mark = page.locator("mark.finding-block")
    assert mark.inner_text() == "Double your money"
    assert "<new>" in page.get_by_test_id("review-text").inner_text()  # escaped, shown as text
    # Opening the page only reads it: the item is claimed by "Start review" (a POST).
    with live_server.app.app_context(), transaction() as session:
        assert session.get(ReviewRequest, review_id).claimed_by_id is None
    assert page.get_by_label("Reject", exact=True).count() == 0
    page.get_by_role("button", name="Start review").click()
    page.wait_for_url(f"{base}/review/{review_id}")
    assert "You hold this item until" in page.get_by_test_id("claim-holder").inner_text()
    page.get_by_label("Reject", exact=True).check()
    page.get_by_label("Reason (for a rejection)").select_option(
        label="Promise of return or absence of risk")
    page.get_by_label("Comment or note to the author / senior reviewer").fill(
        "Returns cannot be promised.")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(f"{base}/review/")
    assert "Decision recorded: Rejected." in page.get_by_role("alert").first.inner_text()
    assert page.locator(f'tr[data-review-id="{review_id}"]').count() == 0
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/login")

    log_in(page, base, "alice.advisor@demo.bank")
    assert page.get_by_test_id("unread-count").inner_text() == "1"
    page.get_by_role("link", name="Notifications").click()
    notice = page.get_by_test_id("notification").first
    assert "Promise of return or absence of risk" in notice.inner_text()
    assert "Returns cannot be promised." in notice.inner_text()
    notice.get_by_role("link").click()
    page.wait_for_url(f"{base}/review/mine/{review_id}")
    assert page.get_by_test_id("review-status").inner_text() == "Rejected"
    assert page.get_by_test_id("reason").inner_text() == "Promise of return or absence of risk"
