"""API versions: the default is served today, ages and ends follow the published rule, and the
administrators are warned from two months before the end, once per version."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import select

from advisor_hub.connectors import health, rules, versions
from advisor_hub.db import utcnow
from advisor_hub.notifications.models import Notification


def test_the_default_linkedin_version_is_served_today() -> None:
    status = versions.linkedin_status(rules.LINKEDIN_DEFAULT_VERSION, date(2026, 12, 2))
    assert not status.retired and not status.warn
    assert status.age_months == 4
    assert status.ends == date(2027, 8, 1) and status.estimated  # early, never late


def test_the_old_default_is_known_retired() -> None:
    status = versions.linkedin_status("202411", date(2026, 12, 2))
    assert status.retired and status.warn and not status.estimated
    assert status.ends == date(2025, 11, 17)


def test_published_sunsets_win_over_the_rule() -> None:
    assert versions.linkedin_end("202603") == (date(2027, 3, 16), False)
    assert versions.linkedin_end("202606") == (date(2027, 6, 1), True)
    assert versions.linkedin_end("202612") == (date(2027, 12, 1), True)


def test_an_unreadable_version_counts_as_retired() -> None:
    for bad in ("", "2024-11", "202413", "v2"):
        assert versions.linkedin_status(bad, date(2026, 12, 2)).retired


def test_the_warning_starts_two_months_before_the_end() -> None:
    ends = date(2027, 8, 1)
    assert not versions.linkedin_status("202608", date(2027, 5, 31)).warn
    assert versions.linkedin_status("202608", date(2027, 6, 1)).warn  # 61 days before
    assert versions.linkedin_status("202608", date(2027, 6, 1)).days_left == 61
    assert versions.linkedin_status("202608", ends).retired


def test_graph_v21_is_in_its_last_two_months() -> None:
    status = versions.graph_status("v21.0", date(2026, 12, 2))
    assert status.warn and not status.retired and status.ends == date(2027, 1, 21)
    assert versions.graph_status("v9.0", date(2026, 12, 2)).retired  # not in the table


def test_admins_are_warned_once_per_version_with_a_frozen_clock(db_session, factory) -> None:
    admin = factory.user("admin")
    factory.user("advisor")
    config = {"LINKEDIN_API_VERSION": "202608"}

    def warnings() -> list[Notification]:
        return list(db_session.scalars(select(Notification).where(
            Notification.user_id == admin.id, Notification.message.contains("LinkedIn"))))

    with time_machine.travel(datetime(2027, 5, 1, 9, tzinfo=UTC), tick=False):
        health.warn_versions(db_session, utcnow(), config=config)
        assert warnings() == []
    with time_machine.travel(datetime(2027, 6, 2, 9, tzinfo=UTC), tick=False):
        health.warn_versions(db_session, utcnow(), config=config)
        health.warn_versions(db_session, utcnow(), config=config)
        assert len(warnings()) == 1
        assert warnings()[0].params == {"version": "202608", "date": "2027-08-01"}
    # A newer version configured: its own warning, when its time comes.
    config["LINKEDIN_API_VERSION"] = "202611"
    with time_machine.travel(datetime(2027, 6, 3, 9, tzinfo=UTC), tick=False):
        health.warn_versions(db_session, utcnow(), config=config)
        assert len(warnings()) == 1
