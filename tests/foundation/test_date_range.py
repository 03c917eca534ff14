"""One date-range filter (advisor_hub.dates) behind the archive, the audit browser and the
dashboard: whole days in the reader's time zone, a reversed range is a form error, and no
date a date field accepts can overflow into a 500."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from advisor_hub.archive import integrity
from advisor_hub.archive.models import LegalHold
from advisor_hub.archive.services import append_record
from advisor_hub.dates import EARLIEST, LATEST, utc_bounds
from tests.archive.helpers import publication

REVERSED_EN = "The end date must not be before the start date."
REVERSED_FR = "La date de fin ne peut pas précéder la date de début."
TOO_LONG_EN = "Choose a period of at most a year."
SCREENS = [("/archive/", "compliance"), ("/admin/audit", "admin"), ("/dashboard/", "marketing")]


def test_bounds_are_whole_days_in_the_time_zone() -> None:
    start, end = utc_bounds(date(2026, 3, 29), date(2026, 3, 29), "Europe/Paris")
    assert start == datetime(2026, 3, 28, 23, tzinfo=UTC)  # before the change to summer time
    assert end == datetime(2026, 3, 29, 22, tzinfo=UTC)  # after it: a 23-hour day
    assert utc_bounds(None, None, "Europe/Paris") == (None, None)


@pytest.mark.parametrize("time_zone", ["Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC"])
def test_the_first_and_last_days_there_are_do_not_overflow(time_zone: str) -> None:
    start, end = utc_bounds(date.min, date.max, time_zone)
    assert start is not None and start <= datetime(1, 1, 2, tzinfo=UTC)
    assert end == LATEST
    assert start >= EARLIEST
    assert utc_bounds(date.max, None, time_zone)[0] <= LATEST


@pytest.fixture
def seen(db_session, factory):
    """Users of the three screens, and one archive record and audit events to find."""
    users = {role: factory.user(role) for _, role in SCREENS}
    advisor = factory.user("advisor")
    append_record(db_session, kind="publication", payload=publication(advisor.id))
    db_session.flush()
    return users


@pytest.mark.parametrize("url,role", SCREENS)
def test_a_reversed_range_is_a_form_error(client, auth, seen, db_session, url, role) -> None:
    auth.login(seen[role])
    page = client.get(f"{url}?date_from=2026-11-30&date_to=2026-11-01")
    assert page.status_code == 200
    assert REVERSED_EN in page.get_data(as_text=True)
    seen[role].language = "fr"
    db_session.flush()
    page = client.get(f"{url}?date_from=2026-11-30&date_to=2026-11-01")
    assert REVERSED_FR in page.get_data(as_text=True)


@pytest.mark.parametrize("url,role", SCREENS)
@pytest.mark.parametrize("date_from,date_to", [
    ("0001-01-01", "9999-12-31"), ("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-01"),
    ("9999-12-31", ""), ("", "0001-01-01"),
])
def test_extreme_dates_are_no_server_error(client, auth, seen, url, role, date_from,
                                           date_to) -> None:
    auth.login(seen[role])
    page = client.get(f"{url}?date_from={date_from}&date_to={date_to}")
    assert page.status_code == 200, page.status_code


@pytest.mark.parametrize("url,role,limited", [(url, role, url == "/dashboard/")
                                               for url, role in SCREENS])
def test_only_the_dashboard_limits_the_range_to_a_year(client, auth, seen, url, role,
                                                       limited) -> None:
    auth.login(seen[role])
    year = client.get(f"{url}?date_from=2025-01-01&date_to=2026-01-01").get_data(as_text=True)
    assert TOO_LONG_EN not in year
    longer = client.get(f"{url}?date_from=2025-01-01&date_to=2026-01-02").get_data(as_text=True)
    assert (TOO_LONG_EN in longer) is limited
    assert REVERSED_EN not in longer


@pytest.mark.parametrize("url,role,found", [
    ("/archive/", "compliance", "1 record"),
    ("/admin/audit", "admin", 'data-action="user.login"'),
])
def test_the_widest_range_finds_everything(client, auth, seen, url, role, found) -> None:
    auth.login(seen[role])
    page = client.get(f"{url}?date_from=0001-01-01&date_to=9999-12-31").get_data(as_text=True)
    assert found in page and REVERSED_EN not in page


def test_a_hold_on_the_widest_range_keeps_everything(client, auth, seen, db_session) -> None:
    auth.login(seen["compliance"])
    response = client.post("/archive/holds", data={
        "advisor": "0", "date_from": "0001-01-01", "date_to": "9999-12-31", "reason": "Case 9"})
    assert response.status_code == 302
    assert db_session.query(LegalHold).count() == 1
    assert client.get("/archive/integrity").status_code == 200
    result = integrity.purge_expired(db_session, retention_years=1, dry_run=True,
                                     now=datetime(9000, 1, 1, tzinfo=UTC))
    assert result.purged == 0


def test_a_reversed_hold_is_refused_on_the_form(client, auth, seen) -> None:
    auth.login(seen["compliance"])
    response = client.post("/archive/holds", data={
        "advisor": "0", "date_from": "2026-11-30", "date_to": "2026-11-01", "reason": "Case"})
    assert response.status_code == 400
    assert REVERSED_EN in response.get_data(as_text=True)


def test_a_reversed_range_is_shown_with_the_other_errors(client, auth, seen) -> None:
    """Every error at once: a bad choice elsewhere in the form does not hide the range's."""
    auth.login(seen["compliance"])
    page = client.get("/archive/?kind=nonsense&date_from=2026-11-30&date_to=2026-11-01")
    text = page.get_data(as_text=True)
    assert REVERSED_EN in text and "Not a valid choice" in text
