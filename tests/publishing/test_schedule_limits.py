"""Scheduling stops where the approval does: the library version's validity end and the date
an unused approval lapses are refused at scheduling (composer and reschedule), with the limit
shown; Reschedule and Edit start from the post's own time, not from "Publish now"."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from advisor_hub.accounts.models import User
from advisor_hub.db import utcnow
from advisor_hub.demo import seed_demo
from advisor_hub.errors import ValidationError
from advisor_hub.networks import TokenCipher
from advisor_hub.publishing import services as publishing
from advisor_hub.publishing.linking import link_account
from advisor_hub.publishing.models import PostState
from tests.publishing.conftest import KEY, oauth_link
from tests.publishing.helpers import free_post, library_post

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def bank(app: Any, db_session: Any) -> dict[str, User]:
    # The app registers the review kinds (advisor_hub.features).
    seed_demo(db_session)
    return {u.email.split("@")[0]: u for u in db_session.scalars(select(User))}


def _user(db_session: Any, role: str) -> User:
    return next(u for u in db_session.scalars(select(User).order_by(User.id))
                if role in u.roles)


def _version(db_session: Any, *, expires_at: datetime | None) -> int:
    from approvals.services import decide
    from content_library import services as library

    curator, reviewer = _user(db_session, "marketing"), _user(db_session, "compliance")
    draft = library.create_item(db_session, actor=curator, fields=library.ItemFields(
        title="Year-end savings", text="Our year-end savings offer.", networks=["linkedin"],
        expires_at=expires_at))
    submitted = library.submit_version(db_session, actor=curator, version_id=draft.id)
    decide(db_session, review_id=submitted.review_id, actor=reviewer, decision="approve")
    return draft.id


@pytest.fixture
def alice(db_session: Any, bank: dict[str, User], sandbox: Any) -> tuple[User, Any]:
    from approvals.services import decide

    alice = bank["alice.advisor"]
    alice.time_zone = "Europe/Paris"
    profile, tokens = oauth_link(sandbox.url, "alice")
    account = link_account(db_session, user=alice, network="sandbox",
                           account=profile.accounts[0], tokens=tokens, cipher=TokenCipher(KEY))
    decide(db_session, review_id=account.review_id, actor=bank["claire.compliance"],
           decision="approve")
    return alice, account


def _local(when: datetime) -> datetime:
    return when.astimezone(PARIS).replace(tzinfo=None, microsecond=0)


def test_a_post_after_the_items_validity_end_is_refused_with_the_limit(db_session, alice):
    advisor, account = alice
    end = (utcnow() + timedelta(days=20)).astimezone(PARIS).replace(
        hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    version_id = _version(db_session, expires_at=end)
    with pytest.raises(ValidationError) as refused:
        library_post(db_session, advisor, [account], version_id, publish_now=False,
                     when_local=_local(end + timedelta(days=15)))
    assert refused.value.field == "when"
    last_minute = (end - timedelta(minutes=1)).astimezone(PARIS)
    assert f"may be published until {last_minute:%-d %b %Y}, 23:59" in str(refused.value)
    post = library_post(db_session, advisor, [account], version_id, publish_now=False,
                        when_local=_local(end - timedelta(hours=2)))
    assert post.state == PostState.SCHEDULED
    with pytest.raises(ValidationError, match="may be published until"):
        publishing.reschedule_post(db_session, post_id=post.id, actor=advisor,
                                   publish_now=False,
                                   when_local=_local(end + timedelta(days=1)))


def test_a_date_past_the_approvals_expiry_is_refused(db_session, alice, app):
    advisor, account = alice
    version_id = _version(db_session, expires_at=None)
    days = app.config["REVIEW_EXPIRY_DAYS"]
    with pytest.raises(ValidationError, match="approval lapses") as refused:
        library_post(db_session, advisor, [account], version_id, publish_now=False,
                     when_local=_local(utcnow() + timedelta(days=365 * 3)))
    assert refused.value.field == "when"
    with pytest.raises(ValidationError, match="approval lapses"):  # free-form: not yet decided
        free_post(db_session, advisor, [account], "Our branch opens on Saturdays.",
                  publish_now=False, when_local=_local(utcnow() + timedelta(days=days + 1)))
    post = library_post(db_session, advisor, [account], version_id, publish_now=False,
                        when_local=_local(utcnow() + timedelta(days=days - 1)))
    assert post.state == PostState.SCHEDULED
    with pytest.raises(ValidationError, match="approval lapses"):
        publishing.reschedule_post(db_session, post_id=post.id, actor=advisor,
                                   publish_now=False,
                                   when_local=_local(utcnow() + timedelta(days=days + 5)))
    moved = publishing.reschedule_post(db_session, post_id=post.id, actor=advisor,
                                       publish_now=False,
                                       when_local=_local(utcnow() + timedelta(days=3)))
    assert moved.state == PostState.SCHEDULED


def test_the_limit_is_in_the_advisors_language(db_session, alice, app):
    from flask_babel import force_locale

    advisor, account = alice
    end = datetime(2099, 1, 1, tzinfo=PARIS).astimezone(UTC)
    version_id = _version(db_session, expires_at=end)
    app.config["REVIEW_EXPIRY_DAYS"] = 365 * 100
    with app.test_request_context(), force_locale("fr"):
        with pytest.raises(ValidationError) as refused:
            library_post(db_session, advisor, [account], version_id, publish_now=False,
                         when_local=datetime(2099, 1, 15, 9, 0))
        assert str(refused.value) == ("Cet élément peut être publié jusqu'au 31 déc. 2098, "
                                      "23:59. Choisissez une heure plus tôt.")


def test_reschedule_and_edit_start_from_the_posts_own_time(db_session, alice, client, auth):
    advisor, account = alice
    version_id = _version(db_session, expires_at=None)
    when = _local(utcnow() + timedelta(days=30)).replace(hour=9, minute=0, second=0)
    post = library_post(db_session, advisor, [account], version_id, publish_now=False,
                        when_local=when)
    db_session.flush()
    auth.login(advisor, "demo-password-2026")
    for page in ("reschedule", "edit"):
        html = client.get(f"/publishing/posts/{post.id}/{page}").get_data(as_text=True)
        assert re.search(r'<input checked[^>]*value="later"', html)
        assert not re.search(r'<input checked[^>]*value="now"', html)
        assert f'value="{when:%Y-%m-%dT%H:%M:%S}"' in html
    html = client.get(f"/publishing/posts/{post.id}/reschedule").get_data(as_text=True)
    label = f"Reschedule to {when.day} {when:%b}" + (
        f" {when.year}" if when.year != _local(utcnow()).year else "") + ", 09:00"
    assert label in html
    # A submission that does not say "now" never publishes now.
    response = client.post(f"/publishing/posts/{post.id}/reschedule", data={"when": ""})
    assert response.status_code == 200
    db_session.expire_all()
    assert post.scheduled_at.astimezone(PARIS).replace(tzinfo=None) == when
