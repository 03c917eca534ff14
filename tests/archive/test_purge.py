"""Retention: only expired, unheld records go, as a prefix; the chain still verifies."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy import func, select, text

from advisor_hub.archive import services
from advisor_hub.archive.errors import ChainBroken, InvalidHold
from advisor_hub.archive.integrity import purge_expired, retention_cutoff, verify_chain
from advisor_hub.archive.models import ArchiveRecord, PurgeCheckpoint
from tests.archive.helpers import append_many, drop_guards

pytestmark = pytest.mark.both_backends

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _records_at(db_session, advisor_id: int, years_ago: list[int]):
    records = []
    for i, years in enumerate(years_ago):
        with time_machine.travel(datetime(NOW.year - years, 3, 1 + i, tzinfo=UTC), tick=False):
            records += append_many(db_session, advisor_id, 1)
    return records


def _count(db_session) -> int:
    return db_session.scalar(select(func.count(ArchiveRecord.id)))


def test_young_records_are_never_purged(db_session, factory) -> None:
    _records_at(db_session, factory.user().id, [6, 3, 1])
    result = purge_expired(db_session, retention_years=7, now=NOW)
    assert result.purged == 0 and result.checkpoint is None
    assert result.reason == "within retention"
    assert _count(db_session) == 3


def test_purge_removes_the_expired_prefix_and_keeps_the_chain(db_session,
                                                              factory) -> None:
    advisor = factory.user()
    records = _records_at(db_session, advisor.id, [10, 9, 8, 2, 1])
    result = purge_expired(db_session, retention_years=7, now=NOW)
    assert result.purged == 3
    checkpoint = result.checkpoint
    assert (checkpoint.first_id, checkpoint.last_id, checkpoint.record_count) == (
        records[0].id, records[2].id, 3)
    assert checkpoint.last_hash == records[2].record_hash
    assert _count(db_session) == 2
    assert verify_chain(db_session).ok
    # New records chain on; a second purge later continues from the checkpoint.
    append_many(db_session, advisor.id, 1)
    assert verify_chain(db_session).ok
    later = datetime(NOW.year + 8, 6, 1, tzinfo=UTC)
    second = purge_expired(db_session, retention_years=7, now=later)
    assert second.checkpoint.first_prev_hash == checkpoint.last_hash
    assert verify_chain(db_session).ok


def test_tampering_with_the_first_kept_record_is_still_caught(db_session,
                                                              factory) -> None:
    records = _records_at(db_session, factory.user().id, [10, 9, 2, 1])
    purge_expired(db_session, retention_years=7, now=NOW)
    drop_guards(db_session)
    db_session.execute(text("DELETE FROM archive_records WHERE id = :i"), {"i": records[2].id})
    assert verify_chain(db_session).broken.record_id == records[3].id


def test_a_hold_on_an_advisor_stops_the_purge_there(db_session, factory) -> None:
    alice, bob = factory.user(), factory.user()
    compliance = factory.user("compliance")
    first = _records_at(db_session, alice.id, [12, 11])
    held = _records_at(db_session, bob.id, [10])
    _records_at(db_session, alice.id, [9])
    services.place_hold(db_session, actor=compliance, advisor_id=bob.id, reason="Case 42")
    result = purge_expired(db_session, retention_years=7, now=NOW)
    assert result.purged == 2 and result.reason == "held"
    assert result.stopped_at == held[0].id
    assert result.checkpoint.last_id == first[-1].id
    assert verify_chain(db_session).ok


def test_a_hold_on_dates_protects_that_range_and_can_be_released(db_session,
                                                                 factory) -> None:
    advisor = factory.user()
    compliance = factory.user("compliance")
    records = _records_at(db_session, advisor.id, [12, 11, 10])
    hold = services.place_hold(db_session, actor=compliance, reason="Regulator request",
                               date_from=date(NOW.year - 11, 1, 1),
                               date_to=date(NOW.year - 11, 12, 31))
    assert purge_expired(db_session, retention_years=7, now=NOW).purged == 1
    assert db_session.get(ArchiveRecord, records[1].id) is not None
    services.release_hold(db_session, actor=compliance, hold_id=hold.id)
    assert purge_expired(db_session, retention_years=7, now=NOW).purged == 2
    assert verify_chain(db_session).ok


def test_a_hold_needs_an_advisor_or_dates(db_session, factory) -> None:
    with pytest.raises(InvalidHold):
        services.place_hold(db_session, actor=factory.user("compliance"), reason="x")


def test_purge_refuses_a_broken_chain(db_session, factory) -> None:
    records = _records_at(db_session, factory.user().id, [10, 9])
    drop_guards(db_session)
    db_session.execute(text("UPDATE archive_records SET payload = '{}' WHERE id = :i"),
                       {"i": records[0].id})
    with pytest.raises(ChainBroken):
        purge_expired(db_session, retention_years=7, now=NOW)


def test_the_database_refuses_deleting_rows_no_checkpoint_covers(db_session,
                                                                 factory) -> None:
    records = _records_at(db_session, factory.user().id, [10, 9, 1])
    purge_expired(db_session, retention_years=7, now=NOW)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db_session.begin_nested():
        if db_session.get_bind().dialect.name == "postgresql":
            db_session.execute(text("SET LOCAL advisor_hub.purge = 'on'"))
        db_session.execute(text("DELETE FROM archive_records WHERE id = :i"),
                           {"i": records[2].id})
    assert db_session.scalar(select(func.count(PurgeCheckpoint.id))) == 1


def test_retention_cutoff_handles_leap_days() -> None:
    assert retention_cutoff(datetime(2028, 2, 29, tzinfo=UTC), 7) == datetime(
        2021, 2, 28, tzinfo=UTC)


def test_cli_purge(app, db_session, factory, runner) -> None:
    _records_at(db_session, factory.user().id, [10, 1])
    db_session.flush()
    dry = runner.invoke(args=["archive-purge", "--dry-run"])
    assert "Would purge 1 record(s)" in dry.output, dry.output
    assert _count(db_session) == 2
    done = runner.invoke(args=["archive-purge"])
    assert done.exit_code == 0 and "Purged 1 record(s)" in done.output
    db_session.expire_all()
    assert _count(db_session) == 1
    assert runner.invoke(args=["archive-verify"]).exit_code == 0
