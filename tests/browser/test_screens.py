"""Every page of every role, loaded once in Chromium: axe-core finds no serious or critical
violation, and no advisor page scrolls sideways on a 390 px phone.

axe-core is the npm package pinned in tests/browser/axe/package-lock.json, installed by
``make test`` (``npm ci``); it is injected into each page by Playwright. The Sandbox's own
pages (the consent page, the account and post pages) are checked with the advisor's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor_hub.db import transaction
from tests.browser.crawl import pages_of_role
from tests.browser.seeds import seed_posts
from tests.browser_support import log_in
from tests.conftest import unavailable

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = 390
ROLES = {
    "advisor": "alice.advisor@demo.bank",
    "marketing": "marc.marketing@demo.bank",
    "compliance": "claire.compliance@demo.bank",
    "senior_compliance": "louis.legal@demo.bank",
    "branch_manager": "bea.manager@demo.bank",
    "admin": "ada.admin@demo.bank",
}
# The Sandbox's pages an advisor meets: its home, an account, and its consent page.
ADVISOR_EXTRA = ("/publishing/accounts/link/sandbox", "/sandbox/", "/sandbox/accounts/nobody")


@pytest.fixture
def live_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"SANDBOX_MOUNT": True}


@pytest.fixture
def screens(live_server: Any) -> Any:
    """The demo bank, and posts of every state for the advisor."""
    with live_server.app.app_context(), transaction() as session:
        seed_posts(session)
    live_server.app.config["SANDBOX_API_BASE"] = f"{live_server.url}/sandbox"
    return live_server


def _axe_problems(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("role,language", [*((r, "en") for r in ROLES), ("advisor", "fr")])
def test_axe_finds_no_serious_violation_on_any_page(screens, chromium, role: str,
                                                    language: str) -> None:
    if language != "en":
        _set_language(screens.app, ROLES[role], language)
    if not AXE.exists():
        unavailable(f"{AXE} missing: run `npm ci` in {AXE.parents[2]} (make test does)")
    # The pages' CSP forbids inline scripts, axe's included: this context bypasses it.
    context = chromium.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, screens.url, ROLES[role])
        extra = ADVISOR_EXTRA if role == "advisor" else ()
        problems = {}
        visited = []
        for path in pages_of_role(screens.app, page, screens.url, extra=extra):
            visited.append(path)
            found = _axe_problems(page)
            if found:
                problems[path] = found
        assert len(visited) > 3, visited
        assert not problems, problems
    finally:
        context.close()


def _set_language(app: Any, email: str, language: str) -> None:
    from advisor_hub.accounts import services as accounts

    with app.app_context(), transaction() as session:
        user = accounts.find_user_by_email(session, email)
        accounts.update_preferences(session, actor=user, language=language,
                                    time_zone=user.time_zone)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_advisor_page_scrolls_sideways_on_a_phone(screens, chromium, language) -> None:
    _set_language(screens.app, ROLES["advisor"], language)
    context = chromium.new_context(locale="en-GB", viewport={"width": PHONE, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, screens.url, ROLES["advisor"])
        wide = {}
        visited = []
        for path in pages_of_role(screens.app, page, screens.url, extra=ADVISOR_EXTRA):
            visited.append(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE:
                wide[path] = width
        assert "/publishing/posts" in visited and any(
            p.startswith("/publishing/posts/") for p in visited), visited
        assert not wide, wide
    finally:
        context.close()


def test_the_collapsed_menu_shows_the_unread_count(screens, chromium) -> None:
    context = chromium.new_context(locale="en-GB", viewport={"width": PHONE, "height": 800})
    page = context.new_page()
    try:
        log_in(page, screens.url, ROLES["advisor"])
        badge = page.locator('.navbar-toggler [data-testid="unread-count-collapsed"]')
        assert badge.is_visible()
        in_menu = page.locator('[data-testid="unread-count"]')
        assert badge.inner_text().strip() == in_menu.inner_text().strip() == "2"
        assert "unread" in page.locator(".navbar-toggler").get_attribute("aria-label")
    finally:
        context.close()


def test_the_menu_does_not_widen_a_desktop_page_in_french(screens, chromium) -> None:
    _set_language(screens.app, ROLES["advisor"], "fr")
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1366, "height": 800})
    page = context.new_page()
    try:
        log_in(page, screens.url, ROLES["advisor"])
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    finally:
        context.close()


def test_the_composer_previews_and_screens_while_typing(screens, page) -> None:
    log_in(page, screens.url, ROLES["advisor"])
    page.goto(f"{screens.url}/publishing/compose")
    page.check("input[name=account_ids]")
    page.fill("textarea[name=text]", "Our plan: guaranteed returns for every family.")
    page.fill("input[name=link_url]", "https://bank.example/savings")
    blocked = page.locator('#policy-findings li[data-severity="block"]')
    blocked.first.wait_for()
    assert "A return cannot be promised" in blocked.first.inner_text()
    card = page.locator("#previews .card[data-network=sandbox]")
    card.wait_for()
    assert "guaranteed returns for every family" in card.inner_text()
    page.fill("textarea[name=text]", "Come and see us this week.")
    page.fill("input[name=link_url]", "")
    page.locator("#policy-findings li").first.wait_for(state="detached")
    assert "No finding" in page.locator("#policy-findings").inner_text()
