"""The composer and the reschedule page say when a post will actually go out when the
account's posting quota is full (issue 13), in the reader's language and time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from advisor_hub.connectors import limits
from advisor_hub.db import utcnow


def _fill(db_session, app, account) -> str:
    """Use up the account's LinkedIn bucket now; the local time its next slot comes."""
    now = utcnow()
    buckets = limits.buckets_for(app.config, account.network, account.id)
    while limits.take_slot(db_session, buckets, now) is None:
        pass
    wait = limits.quota_wait(db_session, account.id, account.network, now, config=app.config)
    assert wait is not None and wait.limit.scope == "account"
    local = wait.at.astimezone(ZoneInfo("America/New_York"))
    return f"{local:%H:%M}" if local.date() == now.astimezone(local.tzinfo).date() else ""


@pytest.mark.parametrize(("language", "words"), [
    ("en", "will go out at about {} (LinkedIn's daily limit for this account is reached)"),
    ("fr", "partira vers {} (la limite quotidienne de LinkedIn pour ce compte est atteinte)"),
])
def test_a_full_quota_says_when_the_post_goes_out(app, client, auth, db_session, factory,
                                                  outbox, language, words) -> None:
    advisor = factory.user("advisor", language=language, time_zone="America/New_York")
    full = outbox.account(advisor, name="Full account")
    free = outbox.account(advisor, name="Free account")
    time = _fill(db_session, app, full)
    post = outbox.row(full, utcnow()).post
    db_session.flush()
    auth.login(advisor)
    page = client.get("/publishing/compose").get_data(as_text=True).replace("&#39;", "'")
    assert f'data-quota="{full.id}"' in page and f'data-quota="{free.id}"' not in page
    if time:  # (a slot tomorrow in New York is written with its date)
        assert words.format(time) in page
    page = client.get(f"/publishing/posts/{post.id}/reschedule").get_data(as_text=True)
    assert f'data-quota="{full.id}"' in page.replace("&#39;", "'")
    assert "Full account" in page


def test_no_note_while_the_quota_has_room(app, client, auth, factory, outbox) -> None:
    advisor = factory.user("advisor")
    outbox.account(advisor)
    auth.login(advisor)
    assert "data-quota" not in client.get("/publishing/compose").get_data(as_text=True)
