"""Each demo role logs in through Chromium and lands on its home page, in English and French."""

from __future__ import annotations

import pytest

from advisor_hub.accounts import services as accounts
from advisor_hub.db import transaction
from tests.browser_support import log_in

pytestmark = pytest.mark.browser

ROLES = {
    "advisor": "alice.advisor@demo.bank",
    "marketing": "marc.marketing@demo.bank",
    "compliance": "claire.compliance@demo.bank",
    "admin": "ada.admin@demo.bank",
}
WELCOME = {"en": "Welcome, ", "fr": "Bienvenue, "}
LOGOUT = {"en": "Log out", "fr": "Se déconnecter"}


def _set_language(live_server, email: str, language: str) -> None:
    with live_server.app.app_context(), transaction() as session:
        user = accounts.find_user_by_email(session, email)
        accounts.update_preferences(session, actor=user, language=language,
                                    time_zone=user.time_zone)



@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("role", list(ROLES))
def test_demo_role_sees_its_home_page(live_server, page, role: str, language: str) -> None:
    _set_language(live_server, ROLES[role], language)
    log_in(page, live_server.url, ROLES[role])
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == language
    assert WELCOME[language] in page.locator("h1").inner_text()
    assert page.locator(f'[data-testid="home-{role}"]').is_visible()
    page.get_by_role("button", name=LOGOUT[language]).click()
    page.wait_for_url(f"{live_server.url}/login")


def test_wrong_password_shows_an_error_in_the_page(live_server, page) -> None:
    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail").fill(ROLES["advisor"])
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("input[type=submit], button[type=submit]").last.click()
    assert page.get_by_role("alert").inner_text().strip() == "Invalid e-mail or password."
