"""Invariant 4: nothing updates or deletes an archive row, in the application or in SQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, text, update

from advisor_hub.archive import services
from advisor_hub.archive.errors import ArchiveIsAppendOnly
from advisor_hub.archive.models import ArchiveRecord, PurgeCheckpoint
from tests.archive.helpers import append_many

pytestmark = pytest.mark.both_backends


def test_services_offer_no_update_or_delete() -> None:
    public = [n for n in dir(services) if not n.startswith("_")]
    assert not [n for n in public if n.split("_")[0] in ("update", "delete", "edit", "remove")]


def test_orm_update_of_a_record_is_refused(db_session, factory) -> None:
    record = append_many(db_session, factory.user().id, 1)[0]
    record.payload = "{}"
    with pytest.raises(ArchiveIsAppendOnly):
        db_session.flush()


def test_orm_delete_of_a_record_is_refused(db_session, factory) -> None:
    record = append_many(db_session, factory.user().id, 1)[0]
    db_session.delete(record)
    with pytest.raises(ArchiveIsAppendOnly):
        db_session.flush()


@pytest.mark.parametrize("statement", [
    update(ArchiveRecord).values(kind="decision"),
    delete(ArchiveRecord),
    update(PurgeCheckpoint).values(record_count=0),
    delete(PurgeCheckpoint),
])
def test_bulk_statements_through_the_session_are_refused(db_session, factory,
                                                         statement) -> None:
    append_many(db_session, factory.user().id, 2)
    with pytest.raises(ArchiveIsAppendOnly):
        db_session.execute(statement)


@pytest.mark.parametrize("sql", [
    "UPDATE archive_records SET payload = '{}'",
    "UPDATE archive_records SET kind = 'decision'",
    "DELETE FROM archive_records",
])
def test_database_trigger_refuses_raw_sql(db_session, factory, sql) -> None:
    append_many(db_session, factory.user().id, 2)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.connection().execute(text(sql))
    assert db_session.scalar(sa.select(sa.func.count(ArchiveRecord.id))) == 2


@pytest.mark.postgres_only
def test_postgres_refuses_truncate_and_delete_without_a_checkpoint(db_session,
                                                                   factory) -> None:
    append_many(db_session, factory.user().id, 2)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.connection().execute(text("TRUNCATE archive_records"))
    # Even with the purge's own setting on, rows not covered by a checkpoint stay.
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.connection().execute(text("SET LOCAL advisor_hub.purge = 'on'"))
        db_session.connection().execute(text("DELETE FROM archive_records"))


@pytest.mark.postgres_only
def test_postgres_needs_the_purge_setting_even_for_covered_rows(db_session,
                                                                factory) -> None:
    first, second = append_many(db_session, factory.user().id, 2)
    db_session.connection().execute(text(
        "INSERT INTO archive_purge_checkpoints (purged_at, first_id, last_id, record_count,"
        " first_prev_hash, last_hash, cutoff) VALUES (now(), :f, :f, 1, :p, :h, now())"
    ), {"f": first.id, "p": first.prev_hash, "h": first.record_hash})
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.connection().execute(text("DELETE FROM archive_records WHERE id = :i"),
                                        {"i": first.id})


def test_checkpoints_cannot_be_changed_in_sql(db_session) -> None:
    db_session.connection().execute(text(
        "INSERT INTO archive_purge_checkpoints (purged_at, first_id, last_id, record_count,"
        " first_prev_hash, last_hash, cutoff) VALUES (CURRENT_TIMESTAMP, 1, 1, 1, 'a', 'b',"
        " CURRENT_TIMESTAMP)"))
    for sql in ("UPDATE archive_purge_checkpoints SET last_id = 99",
                "DELETE FROM archive_purge_checkpoints"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db_session.begin_nested():
            db_session.connection().execute(text(sql))


def test_unknown_kind_is_refused(db_session) -> None:
    from advisor_hub.errors import ValidationError

    with pytest.raises(ValidationError):
        services.append_record(db_session, kind="note", payload={})
