"""#12.10: the library's availability times get the composer's DST checks (one helper,
``advisor_hub.wall_clock.local_to_utc``): a time the clocks skip or repeat is a form error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from advisor_hub.errors import ValidationError
from advisor_hub.publishing.composer import schedule_time
from advisor_hub.wall_clock import local_to_utc
from content_library.models import LibraryItemVersion

PARIS = "Europe/Paris"
GAP = "2027-03-28T02:30"  # clocks go from 02:00 to 03:00
TWICE = "2027-10-31T02:30"  # clocks go back from 03:00 to 02:00


def test_one_rule_for_gaps_and_repeats() -> None:
    assert local_to_utc(datetime(2027, 6, 1, 9, 0), PARIS) == datetime(2027, 6, 1, 7, 0,
                                                                         tzinfo=UTC)
    with pytest.raises(ValidationError, match="does not exist"):
        local_to_utc(datetime.fromisoformat(GAP), PARIS, field="x")
    with pytest.raises(ValidationError, match="happens twice") as raised:
        local_to_utc(datetime.fromisoformat(TWICE), PARIS, field="x")
    assert raised.value.field == "x"
    # The composer uses the same rule.
    with pytest.raises(ValidationError, match="does not exist"):
        schedule_time(datetime.fromisoformat(GAP), PARIS,
                      now=datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("field,value,message", [
    ("available_from", GAP, "does not exist in Europe/Paris"),
    ("expires_at", TWICE, "happens twice in Europe/Paris"),
])
def test_a_skipped_or_repeated_availability_time_is_a_form_error(
        client, db_session, library, auth, field, value, message) -> None:
    library.curator.time_zone = PARIS
    db_session.flush()
    auth.login(library.curator)
    before = db_session.scalar(select(func.count()).select_from(LibraryItemVersion))
    response = client.post("/library/manage/new", data={
        "title": "Window", "text": "Hello", "networks": ["linkedin"], "language": "en",
        "audience": "all", field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(LibraryItemVersion)) == before


def test_a_valid_window_is_stored_in_utc(client, db_session, library, auth) -> None:
    library.curator.time_zone = PARIS
    db_session.flush()
    auth.login(library.curator)
    response = client.post("/library/manage/new", data={
        "title": "Window", "text": "Hello", "networks": ["linkedin"], "language": "en",
        "audience": "all", "available_from": "2027-06-01T09:00"})
    assert response.status_code == 302
    version = db_session.scalars(select(LibraryItemVersion)
                                 .order_by(LibraryItemVersion.id.desc())).first()
    assert version.available_from == datetime(2027, 6, 1, 7, 0, tzinfo=UTC)
