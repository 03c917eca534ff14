"""Grant lifetimes ahead of time: the end per network, the scheduling refusal after it (with
the date and a relink link), and the 14- and 3-day reminders, in the portal and by e-mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from advisor_hub.connectors import grants
from advisor_hub.errors import ValidationError
from advisor_hub.networks import TokenSet
from advisor_hub.notifications.models import Notification
from tests.connectors.conftest import NOW
from tests.mail_support import MAIL_CONFIG, patch_smtp


def _tokens(refresh: str | None, hours: float = 24 * 60) -> TokenSet:
    return TokenSet(access_token="a", refresh_token=refresh,
                    expires_at=NOW + timedelta(hours=hours))


def test_the_end_of_a_grant_per_network() -> None:
    year = timedelta(days=365)
    assert grants.grant_end("linkedin", _tokens("r"), NOW) == NOW + year
    assert grants.grant_end("linkedin", _tokens("r"), NOW, refresh_expires_in=3600) == \
        NOW + timedelta(hours=1)
    assert grants.grant_end("linkedin", _tokens(None), NOW) == NOW + timedelta(days=60)
    assert grants.grant_end("x", _tokens("r", 2), NOW) is None  # offline.access: no known end
    assert grants.grant_end("x", _tokens(None, 2), NOW) == NOW + timedelta(hours=2)
    assert grants.grant_end("facebook", _tokens(None), NOW) is None
    assert grants.grant_end("linkedin", None, NOW) == NOW  # unreadable: ended


def test_a_relink_starts_a_new_grant(db_session, factory, outbox, config) -> None:
    account = outbox.account(factory.user("advisor"), created_at=NOW - timedelta(days=400))
    assert grants.grant_for(db_session, account, config).grant_ends_at == \
        NOW - timedelta(days=35)
    later = NOW + timedelta(days=1)
    grant = grants.record_grant(db_session, account, tokens=_tokens("r2"), now=later)
    assert grant.grant_ends_at == later + timedelta(days=365) and grant.reminded_days is None


def test_scheduling_after_the_grant_ends_is_refused(app, db_session, factory, outbox,
                                                     config) -> None:
    account = outbox.account(factory.user("advisor", language="fr"),
                             created_at=NOW - timedelta(days=300), name="Alice L.")
    ends = NOW + timedelta(days=65)
    grants.check_schedulable(db_session, account, ends - timedelta(minutes=1), config=config)
    with app.test_request_context():
        with pytest.raises(ValidationError) as refused:
            grants.check_schedulable(db_session, account, ends, config=config)
        message = str(refused.value)
        assert "2027-02-05" in message and "/publishing/accounts/link/linkedin" in message
        assert refused.value.field == "when"
        with force_locale("fr"):
            assert "Reconnectez" in str(refused.value)
        account.status = "relink_needed"
        with pytest.raises(ValidationError, match="relink"):
            grants.check_schedulable(db_session, account, NOW, config=config)


def test_reminders_14_and_3_days_before_once_each(app, db_session, factory, outbox, config,
                                                  monkeypatch) -> None:
    smtp = patch_smtp(monkeypatch)
    app.config.update(MAIL_CONFIG)
    advisor = factory.user("advisor")
    ends = NOW + timedelta(days=30)
    account = outbox.account(advisor, created_at=ends - timedelta(days=365))
    outbox.account(factory.user("advisor"), "facebook")  # no known end: never reminded

    def reminders() -> list[Notification]:
        return list(db_session.scalars(select(Notification).where(
            Notification.user_id == advisor.id)))

    with app.app_context():
        for days_before, expected in ((15, 0), (14, 1), (13, 1), (4, 1), (3, 2), (1, 2)):
            grants.remind_grant_endings(db_session, ends - timedelta(days=days_before),
                                        config=config)
            assert len(reminders()) == expected, days_before
        db_session.commit()  # the e-mails leave after the commit
    assert reminders()[0].params["date"] == ends.strftime("%Y-%m-%d")
    assert reminders()[0].url == "/publishing/accounts/link/linkedin"
    assert [m["To"] for m in smtp.sent] == [advisor.email, advisor.email]
    assert grants.grant_for(db_session, account, config).reminded_days == 3


def test_reminder_days_are_configurable(db_session, factory, outbox, config) -> None:
    advisor = factory.user("advisor")
    ends = NOW + timedelta(days=30)
    outbox.account(advisor, created_at=ends - timedelta(days=365))
    config["CONNECTOR_REMINDER_DAYS"] = (7,)
    assert grants.remind_grant_endings(db_session, ends - timedelta(days=10),
                                       config=config) == 0
    assert grants.remind_grant_endings(db_session, ends - timedelta(days=7),
                                       config=config) == 1


@pytest.mark.parametrize("reminder_days", [(14, 3), (10,)])
def test_one_grant_end_gives_exactly_the_configured_reminders(app, db_session, factory, outbox,
                                                              reminder_days) -> None:
    """Every periodic job the features declare runs every day for the 20 days before a
    LinkedIn grant (a 60-day token, no refresh token) ends: the advisor gets exactly one
    reminder per configured threshold (there was once a second, 7-day reminder job)."""
    from advisor_hub.jobs import jobs_of

    app.config["CONNECTOR_REMINDER_DAYS"] = reminder_days
    advisor = factory.user("advisor")
    ends = NOW + timedelta(days=20)
    outbox.account(advisor, refresh_token=None, created_at=ends - timedelta(days=60))
    db_session.flush()
    with app.app_context():
        for days_before in range(20, 0, -1):
            for job in jobs_of(app):
                job.func(db_session, ends - timedelta(days=days_before))
    notes = list(db_session.scalars(select(Notification).where(
        Notification.user_id == advisor.id)))
    assert len(notes) == len(reminder_days), [n.message for n in notes]
