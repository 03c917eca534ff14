"""In Chromium: compliance finds a published post by a word in it and downloads the CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from advisor_hub.accounts.models import User
from advisor_hub.archive.services import append_record
from advisor_hub.db import transaction
from tests.archive.helpers import publication
from tests.browser_support import log_in

pytestmark = pytest.mark.browser



def test_compliance_finds_a_post_by_a_word_and_downloads_the_csv(live_server, page) -> None:
    with live_server.app.app_context(), transaction() as session:
        alice = session.scalar(select(User).where(User.email == "alice.advisor@demo.bank"))
        david = session.scalar(select(User).where(User.email == "david.advisor@demo.bank"))
        append_record(session, kind="publication", actor_id=alice.id, payload=publication(
            alice.id, post_id=1, text="Our sustainable mortgage: rates fixed for 20 years."))
        append_record(session, kind="publication", actor_id=david.id, payload=publication(
            david.id, post_id=2, text="Congratulations to our new interns!"))

    base = live_server.url
    log_in(page, base, "claire.compliance@demo.bank")
    page.get_by_role("link", name="Archive", exact=True).first.click()
    page.fill("input[name=q]", "Sustainable")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_test_id("archive-results")
    results.get_by_text("Our sustainable mortgage").wait_for()
    assert "interns" not in results.inner_text()
    assert "Alice Martin" in results.inner_text()

    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert [r["text"] for r in rows] == ["Our sustainable mortgage: rates fixed for 20 years."]

    # The record page: the post and its integrity data.
    results.get_by_role("link").first.click()
    page.get_by_test_id("record-text").wait_for()
    assert "sustainable mortgage" in page.get_by_test_id("record-text").inner_text()
