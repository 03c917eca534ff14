"""The navigation's language switch in Chromium: anonymous on the login page, then signed in
on any page, back to the same page (query kept) in the other language, kept on next login."""

from __future__ import annotations

from tests.browser_support import log_in

ADVISOR = "alice.advisor@demo.bank"


def test_switch_language_from_the_navigation(live_server, page) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/login")
    page.get_by_role("button", name="Français").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.url.endswith("/login")
    page.get_by_role("button", name="English").click()
    log_in(page, live_server.url, ADVISOR)
    page.goto(f"{live_server.url}/library/?language=all")
    page.get_by_role("button", name="Français").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.url.endswith("/library/?language=all")
    # Kept in the preferences: a new session is French too.
    page.context.clear_cookies()
    log_in(page, live_server.url, ADVISOR)
    assert page.locator("html").get_attribute("lang") == "fr"
