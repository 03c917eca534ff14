"""The navigation's language switch: every page, every user, back to the same page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from advisor_hub.audit.models import AuditEvent


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.mark.both_backends
def test_signed_in_user_switches_from_the_navigation(client, auth, factory, db_session) -> None:
    user = factory.user("advisor")
    db_session.flush()
    auth.login(user)
    page = client.get("/notifications").get_data(as_text=True)
    assert 'data-testid="language-switch"' in page
    assert 'action="/language"' in page
    response = client.post("/language", data={"language": "fr", "next": "/notifications"},
                           headers={"Referer": "http://localhost/notifications?page=1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/notifications?page=1")
    db_session.refresh(user)
    assert user.language == "fr"  # kept in the preferences, not only the session
    event = db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "user.preferences", AuditEvent.actor_id == user.id))
    assert event is not None
    assert event.before["language"] == "en" and event.after["language"] == "fr"
    assert 'lang="fr"' in client.get("/notifications").get_data(as_text=True)[:200]
    # Signed out and in again: the choice stayed.
    auth.logout()
    auth.login(user)
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_anonymous_visitor_switches_in_the_session(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'data-testid="language-switch"' in page
    response = client.post("/language", data={"language": "fr", "next": "/login"},
                           headers={"Referer": "http://localhost/login?next=%2F"})
    assert response.headers["Location"].endswith("/login?next=%2F")
    # Another site's Referer is never followed.
    response = client.post("/language", data={"language": "fr", "next": "/login"},
                           headers={"Referer": "http://evil.example/login?next=x"})
    assert response.headers["Location"].endswith("/login")
    assert '<html lang="fr">' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil"])
def test_unsafe_next_goes_home(client, target) -> None:
    response = client.post("/language", data={"language": "fr", "next": target})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_unknown_language_changes_nothing(client, auth, factory, db_session) -> None:
    user = factory.user("advisor")
    db_session.flush()
    auth.login(user)
    client.post("/language", data={"language": "de", "next": "/"})
    db_session.refresh(user)
    assert user.language == "en"


def test_switch_needs_the_csrf_token(app, client, auth, factory, db_session) -> None:
    user = factory.user("advisor")
    db_session.flush()
    auth.login(user)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/language", data={"language": "fr", "next": "/"}).status_code == 400
    token = _csrf(client.get("/").get_data(as_text=True))
    assert client.post("/language", data={"language": "fr", "next": "/",
                                          "csrf_token": token}).status_code == 302
    db_session.refresh(user)
    assert user.language == "fr"
