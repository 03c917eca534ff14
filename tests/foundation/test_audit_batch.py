"""audit.batch: the records made inside go to the database in one INSERT at its end, in
order, in the same transaction; nothing is written when the block raises."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from advisor_hub.audit.models import AuditEvent
from advisor_hub.audit.services import batch, record


def test_records_are_inserted_together_in_order(db_session, factory) -> None:
    user = factory.user("admin")
    inserts: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("INSERT INTO audit_events"):
            inserts.append(statement)

    engine = db_session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        with batch(db_session):
            for n in range(5):
                record(db_session, user, f"test.step{n}", ("thing", n), after={"n": n})
            with batch(db_session):  # a block inside adds to the outer one
                record(db_session, None, "test.inner", ("thing", 9))
            assert db_session.scalars(select(AuditEvent).where(
                AuditEvent.action.like("test.%"))).all() == []
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(inserts) == 1
    rows = db_session.scalars(select(AuditEvent).where(AuditEvent.action.like("test.%"))
                              .order_by(AuditEvent.id)).all()
    assert [r.action for r in rows] == [f"test.step{n}" for n in range(5)] + ["test.inner"]
    assert rows[0].actor_id == user.id and rows[0].after == {"n": 0} and rows[0].at


def test_nothing_is_written_when_the_block_raises(db_session) -> None:
    with pytest.raises(RuntimeError), batch(db_session):
        record(db_session, None, "test.lost", ("thing", 1))
        raise RuntimeError
    record(db_session, None, "test.kept", ("thing", 2))
    assert [r.action for r in db_session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("test.%")))] == ["test.kept"]
