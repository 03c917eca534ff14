"""Post states in plain words, the status endpoint the post page polls, the flash after
"Publish now", the only account pre-ticked."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from advisor_hub.db import utcnow
from advisor_hub.publishing import status
from advisor_hub.publishing.models import Post, TargetState
from tests.publishing.helpers import library_post


def _post(db_session, advisor, link, fakes, **kwargs):
    return library_post(db_session, advisor, [link(advisor)], fakes.library.add_version().id,
                        **kwargs)


def test_a_past_due_row_is_publishing_never_scheduled_for_the_past(db_session, advisor, link,
                                                                   fakes):
    post = _post(db_session, advisor, link, fakes)
    now = utcnow()
    post.targets[0].due_at = now - timedelta(minutes=5)
    assert status.target_standing(post.targets[0], now).phrase == status.Phrase.PUBLISHING
    assert status.post_standing(post, now).phrase == status.Phrase.PUBLISHING
    assert status.in_flight(post, now)
    post.targets[0].due_at = now + timedelta(days=3)
    standing = status.post_standing(post, now)
    assert (standing.phrase, standing.when) == (status.Phrase.SCHEDULED, now + timedelta(days=3))
    assert not status.in_flight(post, now)
    target = post.targets[0]
    target.state, target.published_at = TargetState.PUBLISHED, now
    target.network_post_url = "https://sandbox.example/posts/1"
    standing = status.post_standing(post, now)
    assert standing.phrase == status.Phrase.PUBLISHED and standing.url.endswith("/posts/1")


def test_publish_now_says_sending_and_the_page_polls_until_published(client, auth, advisor,
                                                                     link, fakes, db_session):
    account = link(advisor)
    version = fakes.library.add_version()
    auth.login(advisor)
    form = client.get(f"/publishing/compose?version_id={version.id}").get_data(as_text=True)
    # The only account is pre-ticked.
    assert re.search(rf'<input checked[^>]*name="account_ids"[^>]*value="{account.id}"', form)
    response = client.post(f"/publishing/compose?version_id={version.id}", data={
        "text": "Meet me at Lyon, Alice", "account_ids": [account.id], "when_mode": "now",
        "version_id": version.id}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Sending… this page shows when it is published." in page
    assert "Scheduled." not in page and 'data-in-flight="1"' in page
    assert "js/post_status.js" in page and 'data-phrase="publishing"' in page
    post = db_session.scalars(select(Post)).one()
    answer = client.get(f"/publishing/posts/{post.id}/status").json
    assert answer["settled"] is False and "Publishing…" in answer["html"]
    target = post.targets[0]
    target.state, target.published_at = TargetState.PUBLISHED, datetime(2026, 12, 3, 8, 0,
                                                                         tzinfo=utcnow().tzinfo)
    target.network_post_url = "https://sandbox.example/posts/9"
    post.state = "published"
    db_session.flush()
    answer = client.get(f"/publishing/posts/{post.id}/status").json
    assert answer["settled"] is True
    assert "Published on 3 Dec" in answer["html"] and "at 09:00" in answer["html"]
    assert 'href="https://sandbox.example/posts/9"' in answer["html"]


def test_a_scheduled_post_says_when(client, auth, advisor, link, fakes, db_session):
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(advisor.time_zone)
    when = (datetime.now(zone) + timedelta(days=10)).replace(hour=9, minute=0, second=0,
                                                             microsecond=0)
    post = _post(db_session, advisor, link, fakes, publish_now=False,
                 when_local=when.replace(tzinfo=None))
    db_session.flush()
    auth.login(advisor)
    page = client.get(f"/publishing/posts/{post.id}").get_data(as_text=True)
    assert f"Scheduled for {when.day} {when:%b}" in page and "at 09:00." in page
    assert 'data-in-flight="0"' in page
    assert "Scheduled for" in client.get("/publishing/posts").get_data(as_text=True)


def test_someone_elses_status_is_not_found(client, auth, advisor, link, fakes, db_session,
                                           factory):
    post = _post(db_session, advisor, link, fakes)
    other = factory.user("advisor")
    db_session.flush()
    auth.login(other)
    assert client.get(f"/publishing/posts/{post.id}/status").status_code == 404
