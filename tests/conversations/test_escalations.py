"""Escalation: advisor → compliance → senior/legal, with an owner, a state and a target in
business hours; it ends with an answer sent through the portal or a recorded decision not to
answer; complaints are tagged for the register."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from advisor_hub.archive.integrity import verify_chain
from advisor_hub.archive.models import ArchiveRecord
from advisor_hub.conversations import delivery, escalations
from advisor_hub.conversations.errors import RepeatsClientData
from advisor_hub.conversations.models import (
    EscalationLevel,
    EscalationReason,
    EscalationState,
    ReplyState,
)
from advisor_hub.errors import PermissionDenied
from tests.conversations.test_replies import IBAN, captured


def test_escalation_through_to_legal_and_the_answer(app, db_session, sandbox, published,
                                                    factory) -> None:
    comment = captured(app, db_session, sandbox, published,
                       "You lost my money. My lawyer will contact you.")
    compliance = factory.user("compliance")
    senior = factory.user("senior_compliance")
    with app.app_context():
        escalation = escalations.escalate(
            db_session, actor=published.advisor, comment_id=comment.id,
            reason=EscalationReason.LEGAL_THREAT, note="Threatens legal action",
            config=app.config)
        assert escalation.level == EscalationLevel.COMPLIANCE
        assert escalation.state == EscalationState.OPEN and escalation.owner_id is None
        assert escalation.target_minutes == 240
        escalations.take(db_session, actor=compliance, escalation_id=escalation.id)
        assert escalation.owner_id == compliance.id
        escalations.pass_to_legal(db_session, actor=compliance, escalation_id=escalation.id,
                                  note="Legal should answer", config=app.config)
        assert escalation.level == EscalationLevel.LEGAL and escalation.owner_id is None
        assert escalation.target_minutes == 960
        # Compliance no longer handles it; the senior / legal reviewer does.
        with pytest.raises(PermissionDenied):
            escalations.answer(db_session, actor=compliance, escalation_id=escalation.id,
                               text="We are sorry.")
        escalations.take(db_session, actor=senior, escalation_id=escalation.id)
        reply = escalations.answer(
            db_session, actor=senior, escalation_id=escalation.id,
            text="We are sorry to read this. Our complaints team will call you today.")
        assert reply.state == ReplyState.QUEUED and reply.escalation_id == escalation.id
        delivery.deliver_reply(db_session, reply.id, config=app.config)
    assert reply.state == ReplyState.SENT
    assert escalation.state == EscalationState.ANSWERED and escalation.closed_at is not None
    assert any(c.message.startswith("We are sorry to read this")
               for c in sandbox.state.comments_for(published.network_post_id))
    record = db_session.scalars(select(ArchiveRecord).where(ArchiveRecord.kind == "reply")).one()
    assert json.loads(record.payload)["escalation_id"] == escalation.id
    assert verify_chain(db_session).ok


def test_a_recorded_decision_not_to_answer_ends_it(app, db_session, sandbox, published,
                                                   factory) -> None:
    comment = captured(app, db_session, sandbox, published, "Your bank is a scam")
    compliance = factory.user("compliance")
    with app.app_context():
        escalation = escalations.escalate(
            db_session, actor=published.advisor, comment_id=comment.id,
            reason="complaint", note="Angry client", config=app.config)
        assert comment.complaint  # a complaint goes to the register
        escalations.close_without_answer(db_session, actor=compliance,
                                         escalation_id=escalation.id,
                                         decision="Abusive; not answered, per policy 4.2")
    assert escalation.state == EscalationState.CLOSED
    assert escalation.decision == "Abusive; not answered, per policy 4.2"
    last = db_session.scalars(select(ArchiveRecord).where(ArchiveRecord.kind == "comment")
                              .order_by(ArchiveRecord.id.desc())).first()
    assert json.loads(last.payload)["event"] == "not_answered"
    assert [c.id for c in escalations.complaints(db_session, actor=compliance)] == [comment.id]


def test_the_answer_never_repeats_the_client_s_data(app, db_session, sandbox, published,
                                                    factory) -> None:
    comment = captured(app, db_session, sandbox, published, f"Refund to {IBAN} now")
    compliance = factory.user("compliance")
    with app.app_context():
        escalation = escalations.escalate(db_session, actor=published.advisor,
                                          comment_id=comment.id, reason="sensitive",
                                          note="IBAN posted", config=app.config)
        with pytest.raises(RepeatsClientData):
            escalations.answer(db_session, actor=compliance, escalation_id=escalation.id,
                               text=f"We will refund {IBAN}")


def test_the_response_time_counts_business_hours(app, db_session, sandbox, published,
                                                 factory) -> None:
    comment = captured(app, db_session, sandbox, published, "Question")
    friday_evening = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # 17:00 in Paris
    with app.app_context():
        escalation = escalations.escalate(db_session, actor=published.advisor,
                                          comment_id=comment.id, reason="off_script",
                                          note="Tax question", config=app.config,
                                          now=friday_evening)
        (row,) = escalations.list_escalations(
            db_session, actor=factory.user("compliance"),
            now=friday_evening + timedelta(days=3))  # Monday 17:00 Paris
    assert row.escalation.id == escalation.id
    assert row.elapsed_minutes == 8 * 60  # Monday 9:00-17:00 only
    assert row.overdue  # 480 > 240
