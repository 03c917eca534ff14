"""In Chromium: a client comments on an advisor's Sandbox post in the Sandbox's client view,
the advisor sees it in the inbox (with the unread count), answers with an approved reply in
one click, and the reply appears under the comment on the Sandbox page."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from advisor_hub.accounts.models import User
from advisor_hub.conversations import capture
from advisor_hub.db import transaction, utcnow
from tests.browser_support import log_in
from tests.conftest import Factory
from tests.conversations.conftest import approved_answer, publish_on_sandbox
from tests.publishing.conftest import KEY

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
EMAIL = "alice.advisor@demo.bank"


@pytest.fixture
def live_overrides(sandbox: Any) -> dict[str, Any]:
    return {"TOKEN_ENCRYPTION_KEY": KEY, "SANDBOX_API_BASE": sandbox.url}


def test_client_comment_inbox_approved_reply_visible_on_the_sandbox(live_server, page,
                                                                     sandbox) -> None:
    app = live_server.app
    with app.app_context(), transaction() as session:
        advisor = session.scalars(select(User).where(User.email == EMAIL)).one()
        published = publish_on_sandbox(session, sandbox.url, advisor,
                                       text="Our new savings account is here")
        template = approved_answer(session, Factory(session), title="Thanks for asking",
                                   text="Thank you! Please call your branch, {branch_name}.")
        post_id, template_id = published.network_post_id, template.id

    # The client, on the Sandbox's page of the post.
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{sandbox.url}/posts/{post_id}")
    page.fill("input[name=name]", "Claire Petit")
    page.fill("textarea[name=message]", "What is the interest rate?")
    page.click("form.post button[type=submit]")
    page.wait_for_selector("[data-testid=comment]:has-text('What is the interest rate?')")

    with app.app_context(), transaction() as session:
        capture.capture_comments(session, utcnow())

    log_in(page, live_server.url, EMAIL)
    page.goto(f"{live_server.url}/conversations/")
    row = page.locator("[data-testid=inbox-row]")
    assert row.count() == 1 and "What is the interest rate?" in row.inner_text()
    assert "Our new savings account is here" in row.inner_text()
    row.locator("a").click()
    page.click(f"[data-testid=answer-{template_id}]")
    page.wait_for_selector(".alert-success:has-text('Reply sent.')")

    page.goto(f"{sandbox.url}/posts/{post_id}")
    reply = page.locator(".comment.reply")
    assert reply.count() == 1
    assert "Thank you! Please call your branch" in reply.inner_text()
