"""The weekly digest: due on each advisor's clock, sent once per (advisor, week) even when a
run dies before its commit, HTML and text in the advisor's language; its signed links are
single-use, expiring and personal; unsubscribing takes one click."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from advisor_hub import create_app
from advisor_hub.accounts.models import User
from advisor_hub.campaigns import digest
from advisor_hub.campaigns import services as campaigns
from advisor_hub.campaigns.models import DigestLink, DigestPreference, DigestSent
from advisor_hub.db import database, transaction, utcnow
from advisor_hub.publishing.models import Post, PostState
from tests.campaigns.conftest import Bank
from tests.conftest import Factory, app_config
from tests.mail_support import MAIL_CONFIG, patch_smtp


def test_a_digest_is_due_from_monday_morning_on_the_advisors_clock() -> None:
    monday_0730_paris = datetime(2026, 5, 4, 5, 30, tzinfo=UTC)  # 07:30 CEST
    assert digest.due_week("Europe/Paris", monday_0730_paris, 8) is None
    assert digest.due_week("Europe/Paris", monday_0730_paris + timedelta(minutes=30),
                           8) == "2026-W19"
    sunday_night_utc = datetime(2026, 5, 3, 23, 30, tzinfo=UTC)  # Monday 08:30 in Tokyo
    assert digest.due_week("Asia/Tokyo", sunday_night_utc, 8) == "2026-W19"
    assert digest.due_week("Europe/Paris", sunday_night_utc, 8) is None


def _mail_app(url: str, tmp_path: Path) -> Any:
    return create_app(app_config(url, tmp_path, CAMPAIGN_DIGEST_HOUR=0,
                                 CAMPAIGN_STAGGER_MINUTES=0,
                                 CAMPAIGN_PUBLIC_URL="https://portal.test", **MAIL_CONFIG))


@pytest.mark.both_backends
def test_each_digest_is_sent_once_across_a_restart(fresh_database_url: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    smtp = patch_smtp(monkeypatch)
    app = _mail_app(fresh_database_url, tmp_path)
    with app.app_context(), transaction() as session:
        factory = Factory(session)
        bank = Bank(session, factory, factory.user("marketing"), factory.user("compliance"),
                    factory.branch("Lyon", city="Lyon"), factory.branch("Paris"))
        alice = bank.advisor(first_name="Alice")
        bank.advisor(first_name="Bruno", language="fr")
        bank.advisor(first_name="Chloe", time_zone="Asia/Tokyo")
        for n in range(4):
            bank.version(f"Post {n}", f"Text {n}.")
        campaign = bank.campaign([(bank.version("Campaign post"), 1, "09:00")])
        campaigns.opt_in(session, campaign_id=campaign.id, advisor=alice)
    smtp.sent.clear()  # the invitations' copies

    class Crash(Exception):
        pass

    with pytest.raises(Crash), app.app_context(), transaction() as session:
        assert digest.send_digests(session, utcnow(), config=app.config, limit=2) == 2
        raise Crash  # the process dies before the commit
    assert smtp.sent == []
    counts = []
    for _ in range(3):
        with app.app_context(), transaction() as session:
            counts.append(digest.send_digests(session, utcnow(), config=app.config, limit=2))
    assert counts == [2, 1, 0]
    assert len(smtp.sent) == 3
    assert len({m["To"] for m in smtp.sent}) == 3
    with app.app_context(), transaction() as session:
        assert session.scalar(select(func.count()).select_from(DigestSent)) == 3
        assert session.scalar(select(func.count()).select_from(DigestLink)) == 9
    by_name = {m["To"]: m for m in smtp.sent}
    message = next(m for m in smtp.sent if "Alice" in m.get_body(("plain",)).get_content())
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "/campaigns/digest/use/" in text and "/campaigns/digest/use/" in html
    assert "Campaign post" in text and "Spring savings" in text  # the campaign's next post
    assert message["List-Unsubscribe"].startswith("<http")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    french = next(m for m in by_name.values()
                  if "Bonjour Bruno" in m.get_body(("plain",)).get_content())
    assert "Vos publications de la semaine" in french["Subject"]
    database(app).engine.dispose()


def test_no_mail_server_no_digest_marked_sent(db_session, bank, ctx) -> None:
    bank.advisor()
    assert digest.send_digests(db_session, utcnow(), config=ctx.config) == 0
    assert db_session.scalar(select(func.count()).select_from(DigestSent)) == 0


# -- the links ---------------------------------------------------------------------------------


def _link(session: Any, config: Any, advisor: User, version: Any) -> str:
    link = DigestLink(id=secrets.token_hex(16), advisor_id=advisor.id, version_id=version.id,
                      week="2026-W19", proposed_at=utcnow() + timedelta(days=1))
    session.add(link)
    session.flush()
    return digest.link_token(config, link)


def test_a_link_schedules_once_and_is_refused_when_reused(app, client, auth, db_session,
                                                          bank) -> None:
    alice = bank.advisor()
    token = _link(db_session, app.config, alice, bank.version("Suggested"))
    account = next(a for a in bank.accounts.values() if a.user_id == alice.id)
    db_session.flush()
    auth.login(alice)
    page = client.get(f"/campaigns/digest/use/{token}")
    assert page.status_code == 200 and b"Suggested" in page.data
    done = client.post(f"/campaigns/digest/use/{token}", data={"account_ids": [account.id]})
    assert done.status_code == 302
    post = db_session.scalars(select(Post).where(Post.author_id == alice.id)).one()
    assert post.state == PostState.SCHEDULED and post.review_id is not None
    assert client.get(f"/campaigns/digest/use/{token}").status_code == 410
    assert client.post(f"/campaigns/digest/use/{token}",
                       data={"account_ids": [account.id]}).status_code == 410
    assert db_session.scalar(select(func.count(Post.id)).where(
        Post.author_id == alice.id)) == 1


def test_a_link_is_refused_for_another_user_forged_or_expired(app, client, auth, db_session,
                                                              bank, monkeypatch) -> None:
    from itsdangerous import TimestampSigner

    alice, bob = bank.advisor(), bank.advisor()
    version = bank.version()
    token = _link(db_session, app.config, alice, version)
    with monkeypatch.context() as past:  # signed 15 days ago (links last 14)
        real = TimestampSigner.get_timestamp
        past.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 15 * 86400)
        old = _link(db_session, app.config, alice, version)
    db_session.flush()
    assert client.get(f"/campaigns/digest/use/{token}").status_code == 302  # login first
    auth.login(bob)
    assert client.get(f"/campaigns/digest/use/{token}").status_code == 403
    assert client.get(f"/campaigns/digest/use/{token}x").status_code == 400
    auth.logout()
    auth.login(alice)
    assert client.get(f"/campaigns/digest/use/{old}").status_code == 410
    assert client.get(f"/campaigns/digest/use/{token}").status_code == 200


def test_one_click_unsubscribe_without_login(app, client, db_session, bank) -> None:
    alice = bank.advisor()
    token = digest.unsubscribe_token(app.config, alice.id)
    db_session.flush()
    assert client.get(f"/campaigns/digest/unsubscribe/{token}").status_code == 200
    # What a mail client sends (RFC 8058): no session, no CSRF token.
    response = client.post(f"/campaigns/digest/unsubscribe/{token}",
                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert db_session.get(DigestPreference, alice.id).subscribed is False
    assert client.post(f"/campaigns/digest/unsubscribe/{token}x").status_code == 400


def test_preferences_turn_the_digest_off_and_on(client, auth, db_session, bank) -> None:
    alice = bank.advisor()
    db_session.flush()
    auth.login(alice)
    assert client.get("/campaigns/preferences").status_code == 200
    assert client.post("/campaigns/preferences", data={}).status_code == 302
    assert db_session.get(DigestPreference, alice.id).subscribed is False
    client.post("/campaigns/preferences", data={"digest": "y"})
    db_session.expire_all()
    assert db_session.get(DigestPreference, alice.id).subscribed is True


def test_no_digest_without_the_portal_address(db_session, factory, monkeypatch) -> None:
    """Its links need the portal's address: none configured, none guessed (there was once a
    built-in http://127.0.0.1:5000), so no digest is sent; SERVER_NAME gives one."""
    from advisor_hub.campaigns.settings import public_url

    patch_smtp(monkeypatch)
    config = {**MAIL_CONFIG, "CAMPAIGN_DIGEST_HOUR": 0}
    factory.user("advisor")
    assert public_url(config) is None
    assert digest.send_digests(db_session, utcnow(), config=config) == 0
    assert public_url({"SERVER_NAME": "portal.test", "PREFERRED_URL_SCHEME": "https"}) == \
        "https://portal.test"
    assert public_url({"CAMPAIGN_PUBLIC_URL": "https://hub.test/"}) == "https://hub.test"
