"""What every browser test does first: log a demo user in through the real login form."""

from __future__ import annotations

from typing import Any

from advisor_hub.demo import DEMO_PASSWORD


def log_in(page: Any, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form:has(input[name=email]) [type=submit]")
    page.wait_for_url(f"{base_url}/")
