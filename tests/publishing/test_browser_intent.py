"""In Chromium, in English and French, the four "intent is respected" points of issue 14:

1. Reschedule and Edit start from the post's own time (never "Publish now"), and the button
   says what will happen, following the choice as it changes.
2. A time past what the approval allows is refused at scheduling, with the limit shown.
3. An item whose validity window is over cannot be sent for review; the review page shows
   what the approval covers.
4. HTML in a title is refused with a message, the same way as in the advisor's composer.

The real packages run behind a live app (no fakes); the Sandbox is a server of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from advisor_hub.accounts import services as accounts
from advisor_hub.db import transaction, utcnow
from advisor_hub.networks import TokenCipher
from advisor_hub.publishing import composer
from advisor_hub.publishing.linking import link_account
from advisor_hub.publishing.models import Post, PostState, TargetState
from tests.browser_support import log_in
from tests.publishing.conftest import KEY, oauth_link

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ADVISOR = "alice.advisor@demo.bank"
MARKETING = "marc.marketing@demo.bank"
COMPLIANCE = "claire.compliance@demo.bank"
WORDS = {
    "en": {"reschedule_to": "Reschedule to", "publish_now": "Publish now",
           "until": "This item may be published until", "html": "HTML is not allowed here",
           "lapses": "approval lapses", "window_past": "whole validity window is in the past",
           "covers": "What the approval covers", "campaign": "Campaign"},
    "fr": {"reschedule_to": "Reprogrammer au", "publish_now": "Publier maintenant",
           "until": "Cet élément peut être publié jusqu'au",
           "html": "Le HTML n'est pas autorisé ici",
           "lapses": "Une approbation qui n'est pas utilisée à temps expire",
           "window_past": "Toute sa période de validité est passée",
           "covers": "Ce que couvre l'approbation", "campaign": "Campagne"},
}
MONTHS = {"en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                 "Dec"],
          "fr": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
                 "oct.", "nov.", "déc."]}


@pytest.fixture
def sandbox() -> Any:
    from advisor_hub.sandbox import SandboxServer

    with SandboxServer({"ENABLE_CONTROL": True}) as server:
        yield server


@pytest.fixture
def live_overrides(sandbox: Any) -> dict[str, Any]:
    return {"TOKEN_ENCRYPTION_KEY": KEY, "SANDBOX_API_BASE": sandbox.url}


def _set_language(live_server: Any, email: str, language: str) -> None:
    with live_server.app.app_context(), transaction() as session:
        user = accounts.find_user_by_email(session, email)
        accounts.update_preferences(session, actor=user, language=language,
                                    time_zone=user.time_zone)


def _version(session: Any, *, expires_at: datetime | None, title: str = "Year-end savings"
             ) -> int:
    from approvals.services import decide
    from content_library import services as library

    curator = accounts.find_user_by_email(session, MARKETING)
    reviewer = accounts.find_user_by_email(session, COMPLIANCE)
    draft = library.create_item(session, actor=curator, fields=library.ItemFields(
        title=title, text=f"{title}: talk to your advisor.", networks=["linkedin", "sandbox"],
        expires_at=expires_at))
    submitted = library.submit_version(session, actor=curator, version_id=draft.id)
    decide(session, review_id=submitted.review_id, actor=reviewer, decision="approve")
    return draft.id


def _advisor_with_account(live_server: Any, sandbox: Any) -> tuple[int, int, ZoneInfo]:
    from approvals.services import decide

    with live_server.app.app_context(), transaction() as session:
        alice = accounts.find_user_by_email(session, ADVISOR)
        profile, tokens = oauth_link(sandbox.url, "alice")
        account = link_account(session, user=alice, network="sandbox",
                               account=profile.accounts[0], tokens=tokens,
                               cipher=TokenCipher(KEY))
        decide(session, review_id=account.review_id,
               actor=accounts.find_user_by_email(session, COMPLIANCE), decision="approve")
        return alice.id, account.id, ZoneInfo(alice.time_zone)


def _short(when: datetime, language: str) -> str:
    """The button's "14 Jan, 09:00" (the year when it is not this one)."""
    year = f" {when.year}" if when.year != datetime.now(when.tzinfo).year else ""
    return f"{when.day} {MONTHS[language][when.month - 1]}{year}, {when:%H:%M}"


# -- 1. Reschedule and Edit respect the post's time ----------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_reschedule_starts_from_the_posts_time_and_says_what_it_will_do(
        live_server, sandbox, page, language):
    words = WORDS[language]
    _, account_id, zone = _advisor_with_account(live_server, sandbox)
    when = (datetime.now(zone) + timedelta(days=40)).replace(hour=9, minute=0, second=0,
                                                             microsecond=0)
    with live_server.app.app_context(), transaction() as session:
        alice = accounts.find_user_by_email(session, ADVISOR)
        version_id = _version(session, expires_at=None)
        source = composer.load_source(session, advisor=alice, version_id=version_id)
        post = composer.compose_post(
            session, author=alice, body=source.text, link_url=None, account_ids=[account_id],
            publish_now=False, when_local=when.replace(tzinfo=None), version_id=version_id)
        post_id = post.id
    _set_language(live_server, ADVISOR, language)
    log_in(page, live_server.url, ADVISOR)
    for screen in ("reschedule", "edit"):
        page.goto(f"{live_server.url}/publishing/posts/{post_id}/{screen}")
        assert page.locator("input[name=when_mode][value=later]").is_checked()
        assert not page.locator("input[name=when_mode][value=now]").is_checked()
        assert page.input_value("input[name=when]").startswith(when.strftime("%Y-%m-%dT%H:%M"))
    page.goto(f"{live_server.url}/publishing/posts/{post_id}/reschedule")
    button = page.locator("[data-when-submit]")
    assert button.inner_text().strip() == f"{words['reschedule_to']} {_short(when, language)}"
    page.check("input[name=when_mode][value=now]")
    assert button.inner_text().strip() == words["publish_now"]
    later = when + timedelta(days=3, hours=1)
    page.fill("input[name=when]", later.strftime("%Y-%m-%dT%H:%M"))  # typing a date: "later"
    assert page.locator("input[name=when_mode][value=later]").is_checked()
    assert button.inner_text().strip() == f"{words['reschedule_to']} {_short(later, language)}"
    button.click()
    page.wait_for_url(f"{live_server.url}/publishing/posts/{post_id}")
    with live_server.app.app_context(), transaction() as session:
        post = session.get(Post, post_id)
        assert post.state == PostState.SCHEDULED and not post.publish_now
        assert [t.state for t in post.targets] == [TargetState.SCHEDULED]
        assert post.targets[0].due_at == later.astimezone(UTC)
    assert _short(later, language).split(",")[0] in page.locator(
        "[data-testid=post-standing]").inner_text()


# -- 2. Scheduling stops where the approval does -----------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_time_past_the_approval_is_refused_with_the_limit(live_server, sandbox, page,
                                                            language):
    words = WORDS[language]
    _, account_id, zone = _advisor_with_account(live_server, sandbox)
    end = (datetime.now(zone) + timedelta(days=20)).replace(hour=0, minute=0, second=0,
                                                            microsecond=0)
    with live_server.app.app_context(), transaction() as session:
        version_id = _version(session, expires_at=end.astimezone(UTC), title="Winter offer")
        posts_before = session.scalar(select(func.count(Post.id)))
    _set_language(live_server, ADVISOR, language)
    log_in(page, live_server.url, ADVISOR)
    page.goto(f"{live_server.url}/publishing/compose?version_id={version_id}")
    assert page.locator("input[name=account_ids]").is_checked()  # the only account
    page.check("input[name=when_mode][value=later]")
    page.fill("input[name=when]", (end + timedelta(days=15, hours=9)).strftime("%Y-%m-%dT%H:%M"))
    page.click("#composer [data-when-submit]")
    page.wait_for_load_state()
    error = page.locator(".invalid-feedback").first.inner_text()
    last = end - timedelta(minutes=1)
    assert words["until"] in error and f"{last.day} {MONTHS[language][last.month - 1]}" in error
    assert "23:59" in error
    page.goto(f"{live_server.url}/publishing/compose")  # free-form: years ahead
    page.fill("textarea[name=text]", "Our branch opens on Saturday mornings.")
    page.check("input[name=when_mode][value=later]")
    page.fill("input[name=when]", (datetime.now(zone) + timedelta(days=365 * 3)).strftime(
        "%Y-%m-%dT%H:%M"))
    page.click("#composer [data-when-submit]")
    page.wait_for_load_state()
    assert words["lapses"] in page.locator(".invalid-feedback").first.inner_text()
    with live_server.app.app_context(), transaction() as session:
        assert session.scalar(select(func.count(Post.id))) == posts_before


# -- 3. Nothing past its window goes to review; the review shows what it covers -------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_past_window_cannot_be_sent_and_the_review_shows_the_attributes(live_server, page,
                                                                          language):
    from content_library import services as library

    words = WORDS[language]
    with live_server.app.app_context(), transaction() as session:
        curator = accounts.find_user_by_email(session, MARKETING)
        past = library.create_item(session, actor=curator, fields=library.ItemFields(
            title="Spring 2020 offer", text="Spring savings.", networks=["linkedin"],
            available_from=datetime(2020, 3, 1, tzinfo=UTC),
            expires_at=datetime(2020, 4, 1, tzinfo=UTC)))
        fine = library.create_item(session, actor=curator, fields=library.ItemFields(
            title="Autumn offer", text="Autumn savings.", networks=["linkedin"],
            tags=["savings"], campaign="Autumn 2040",
            expires_at=utcnow() + timedelta(days=60)))
        past_item, fine_item, fine_id = past.item_id, fine.item_id, fine.id
    _set_language(live_server, MARKETING, language)
    log_in(page, live_server.url, MARKETING)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/library/manage/items/{past_item}")
    page.locator("form[action$='/submit'] [type=submit]").click()
    page.wait_for_load_state()
    assert words["window_past"] in page.get_by_role("alert").first.inner_text()
    page.goto(f"{live_server.url}/library/manage/items/{fine_item}")
    page.locator("form[action$='/submit'] [type=submit]").click()
    page.wait_for_load_state()
    with live_server.app.app_context(), transaction() as session:
        review_id = library.get_version(session, fine_id).review_id
        assert library.get_version(session, past.id).review_id is None
    page.context.clear_cookies()
    _set_language(live_server, COMPLIANCE, language)
    log_in(page, live_server.url, COMPLIANCE)
    page.goto(f"{live_server.url}/review/{review_id}")
    details = page.locator("[data-testid=subject-details]")
    assert words["covers"] in details.inner_text() and words["campaign"] in details.inner_text()
    assert "Autumn 2040" in details.locator("[data-fact=campaign]").inner_text()
    assert "savings" in details.locator("[data-fact=tags]").inner_text()
    assert details.locator("[data-fact=window]").inner_text().strip() != ""


# -- 4. HTML is refused the same way everywhere -------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_html_in_a_title_is_refused_like_in_the_composer(live_server, sandbox, page,
                                                        language):
    from content_library.models import LibraryItem

    words = WORDS[language]
    with live_server.app.app_context(), transaction() as session:
        items_before = session.scalar(select(func.count(LibraryItem.id)))
    _set_language(live_server, MARKETING, language)
    log_in(page, live_server.url, MARKETING)
    page.goto(f"{live_server.url}/library/manage/new")
    page.fill("input[name=title]", "<script>alert(1)</script>Bad item")
    page.fill("textarea[name=text]", "A plain text.")
    page.check("input[name=networks][value=linkedin]")
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state()
    title_error = page.locator("#title ~ .invalid-feedback, .invalid-feedback").first
    assert words["html"] in title_error.inner_text()
    with live_server.app.app_context(), transaction() as session:
        assert session.scalar(select(func.count(LibraryItem.id))) == items_before
    # The advisor's composer says the same.
    _advisor_with_account(live_server, sandbox)
    page.context.clear_cookies()
    _set_language(live_server, ADVISOR, language)
    log_in(page, live_server.url, ADVISOR)
    page.goto(f"{live_server.url}/publishing/compose")
    page.fill("textarea[name=text]", "<b>Bold</b> advice")
    page.click("#composer [data-when-submit]")
    page.wait_for_load_state()
    assert words["html"] in page.locator(".invalid-feedback").first.inner_text()
