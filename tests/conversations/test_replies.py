"""Answering clients: an approved answer in one click (published at once, archived, visible on
the Sandbox), free-form replies in both firm modes, sensitive data (alert, hide, never
repeated), and the reviews behind each reply."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from advisor_hub.archive.integrity import verify_chain
from advisor_hub.archive.models import ArchiveRecord
from advisor_hub.audit.models import AuditEvent
from advisor_hub.conversations import capture, delivery, replies
from advisor_hub.conversations.errors import RepeatsClientData
from advisor_hub.conversations.models import CaptureCursor, Comment, ReplyState
from advisor_hub.db import utcnow
from advisor_hub.notifications.models import Notification
from approvals.models import ReviewRequest, ReviewStatus
from approvals.services import decide
from tests.conversations.conftest import Published, approved_answer, client_comments

IBAN = "FR76 3000 6000 0112 3456 7890 189"


def captured(app: Any, db_session: Session, sandbox: Any, published: Published,
             text: str) -> Comment:
    client_comments(sandbox.url, published.network_post_id, text)
    with app.app_context():
        capture.capture_comments(db_session, utcnow(), config=app.config)
    comment = db_session.scalars(select(Comment).where(Comment.text == text)).one()
    return comment


def test_an_approved_answer_goes_out_in_one_click(app, db_session, sandbox, published,
                                                  factory) -> None:
    template = approved_answer(db_session, factory)
    comment = captured(app, db_session, sandbox, published, "What is your savings rate?")
    with app.app_context():
        reply = replies.reply_with_template(db_session, actor=published.advisor,
                                            comment_id=comment.id, template_id=template.id)
        assert reply.state == ReplyState.QUEUED
        sent = delivery.deliver_reply(db_session, reply.id, config=app.config)
    assert sent is not None and sent.state == ReplyState.SENT
    assert sent.text == ("Thank you! Alice from Lyon Bellecour will call you: please call "
                         "your branch.")
    # Published at once under the comment on the Sandbox.
    on_network = [c for c in sandbox.state.comments_for(published.network_post_id)
                  if c.parent_id == comment.external_id]
    assert [c.message for c in on_network] == [sent.text]
    assert sent.external_id == on_network[0].id
    # Resting on the answer's approval, with the exact text's hash.
    review = db_session.get(ReviewRequest, sent.review_id)
    assert review.status == ReviewStatus.APPROVED and review.basis_review_id == template.review_id
    assert review.text == sent.text
    # Archived, linked to the post, with the network's ids; the chain verifies.
    record = db_session.scalars(select(ArchiveRecord).where(ArchiveRecord.kind == "reply")).one()
    payload = json.loads(record.payload)
    assert payload["text"] == sent.text and payload["network_reply_id"] == sent.external_id
    assert payload["network_comment_id"] == comment.external_id
    assert record.post_id == published.post.id and record.review_id == sent.review_id
    assert verify_chain(db_session).ok
    assert db_session.get(Comment, comment.id).first_answer_at is not None


def test_the_reply_read_back_is_the_account_s_own_and_not_archived_twice(
        app, db_session, sandbox, published, factory) -> None:
    template = approved_answer(db_session, factory)
    comment = captured(app, db_session, sandbox, published, "Hello?")
    with app.app_context():
        reply = replies.reply_with_template(db_session, actor=published.advisor,
                                            comment_id=comment.id, template_id=template.id)
        delivery.deliver_reply(db_session, reply.id, config=app.config)
        db_session.execute(update(CaptureCursor).values(next_run_at=None))
        capture.capture_comments(db_session, utcnow(), config=app.config)
    own = db_session.scalars(select(Comment).where(Comment.own.is_(True))).one()
    assert own.external_id == reply.external_id and own.archive_record_id is None
    kinds = [r.kind for r in db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.kind.in_(("comment", "reply"))))]
    assert sorted(kinds) == ["comment", "reply"]


@pytest.mark.parametrize("mode", ["pre", "post"])
def test_a_clean_free_form_reply_in_each_mode(app, db_session, sandbox, published, factory,
                                              mode) -> None:
    comment = captured(app, db_session, sandbox, published, "Do you open on Saturdays?")
    config = {**app.config, "REPLY_REVIEW_MODE": mode, "REPLY_SAMPLE_RATE": 1.0}
    with app.app_context():
        reply = replies.reply_free_form(db_session, actor=published.advisor,
                                        comment_id=comment.id,
                                        text="Yes, from 9 to 12. See you soon!", config=config)
    if mode == "pre":
        assert reply.state == ReplyState.PENDING_REVIEW and reply.sample_review_id is None
        compliance = factory.user("compliance")
        with app.app_context():
            decide(db_session, review_id=reply.review_id, actor=compliance, decision="approve")
            assert reply.state == ReplyState.QUEUED
            delivery.deliver_queued(db_session, utcnow(), config=app.config)
    else:
        # Out at once, and sampled for review afterwards (rate 1.0 here).
        assert reply.state == ReplyState.QUEUED and reply.review_id is None
        sample = db_session.get(ReviewRequest, reply.sample_review_id)
        assert sample.kind == "reply_sample" and sample.status == ReviewStatus.PENDING
        with app.app_context():
            delivery.deliver_reply(db_session, reply.id, config=app.config)
    assert reply.state == ReplyState.SENT
    assert any(c.message == "Yes, from 9 to 12. See you soon!"
               for c in sandbox.state.comments_for(published.network_post_id))


def test_post_review_sends_a_reply_with_a_finding_to_pre_review(app, db_session, sandbox,
                                                                published) -> None:
    comment = captured(app, db_session, sandbox, published, "Is it safe?")
    config = {**app.config, "REPLY_REVIEW_MODE": "post", "REPLY_SAMPLE_RATE": 0.0}
    with app.app_context():
        reply = replies.reply_free_form(
            db_session, actor=published.advisor, comment_id=comment.id,
            text="Write to jean.dupont@gmail.com for a guaranteed return", config=config)
    assert reply.findings_count > 0
    assert reply.state == ReplyState.PENDING_REVIEW
    assert db_session.get(ReviewRequest, reply.review_id).kind == "reply"


def test_a_rejected_sample_raises_the_advisor_s_sampling_rate(app, db_session, sandbox,
                                                              published, factory) -> None:
    comment = captured(app, db_session, sandbox, published, "Hi")
    config = {**app.config, "REPLY_REVIEW_MODE": "post", "REPLY_SAMPLE_RATE": 1.0,
              "REPLY_SAMPLE_RATE_RECENT_FINDINGS": 1.0}
    compliance = factory.user("compliance")
    with app.app_context():
        first = replies.reply_free_form(db_session, actor=published.advisor,
                                        comment_id=comment.id, text="Hello there", config=config)
        decide(db_session, review_id=first.sample_review_id, actor=compliance,
               decision="request_changes", comment="Too casual")
        assert first.findings_count == 1
        second = replies.reply_free_form(db_session, actor=published.advisor,
                                         comment_id=comment.id, text="Good afternoon",
                                         config={**config, "REPLY_SAMPLE_RATE": 0.0})
    assert second.sample_review_id is not None  # the "recent findings" rate applied


def test_a_client_s_iban_raises_the_alert_and_the_comment_can_be_hidden(
        app, db_session, sandbox, published, factory) -> None:
    approved_answer(db_session, factory, title="Contact us privately",
                    text="Please do not share account details here: call {branch_name}.",
                    private_contact=True)
    comment = captured(app, db_session, sandbox, published, f"My IBAN is {IBAN}, please check")
    assert comment.sensitive == ["pii:iban"]
    alert = db_session.scalars(select(Notification).where(
        Notification.user_id == published.advisor.id)).one()
    assert "sensitive" in alert.message and alert.url.endswith(f"/comments/{comment.id}")
    with app.app_context():
        from advisor_hub.conversations import inbox

        thread = inbox.thread(db_session, actor=published.advisor, comment_id=comment.id)
        assert thread.templates[0].private_contact and thread.can_hide
        delivery.hide_comment(db_session, actor=published.advisor, comment_id=comment.id,
                              config=app.config)
    on_network = sandbox.state.get_comment(comment.external_id)
    assert on_network is not None and on_network.is_hidden
    assert comment.hidden_at is not None and comment.hidden_by_id == published.advisor.id
    audit = db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "conversations.comment_hidden")).one()
    assert audit.actor_id == published.advisor.id
    events = [json.loads(r.payload)["event"] for r in db_session.scalars(
        select(ArchiveRecord).where(ArchiveRecord.kind == "comment").order_by(ArchiveRecord.id))]
    assert events == ["captured", "hidden"]


@pytest.mark.parametrize("quoted", [IBAN, IBAN.replace(" ", ""), "3000 6000 0112 3456 7890 189"])
def test_a_reply_quoting_the_client_s_iban_is_refused(app, db_session, sandbox, published,
                                                      quoted) -> None:
    comment = captured(app, db_session, sandbox, published, f"IBAN {IBAN} for the transfer")
    with app.app_context(), pytest.raises(RepeatsClientData):
        replies.reply_free_form(db_session, actor=published.advisor, comment_id=comment.id,
                                text=f"We received {quoted}, thanks", config={
                                    **app.config, "REPLY_REVIEW_MODE": "post"})
    # Nothing was sent.
    assert all(c.author_id != published.account.external_id
               for c in sandbox.state.comments_for(published.network_post_id))


def test_nobody_answers_someone_else_s_comment(app, db_session, sandbox, published,
                                               factory) -> None:
    comment = captured(app, db_session, sandbox, published, "Hello")
    other = factory.user("advisor")
    from advisor_hub.errors import NotFound

    with app.app_context(), pytest.raises(NotFound):
        replies.reply_free_form(db_session, actor=other, comment_id=comment.id, text="Hi",
                                config=app.config)


def test_a_network_failure_fails_the_reply_without_resending(app, db_session, sandbox,
                                                             published, factory) -> None:
    template = approved_answer(db_session, factory)
    comment = captured(app, db_session, sandbox, published, "Hello")
    sandbox.state.add_fault("reply", "accept_then_error", status=500)
    with app.app_context():
        reply = replies.reply_with_template(db_session, actor=published.advisor,
                                            comment_id=comment.id, template_id=template.id)
        delivery.deliver_reply(db_session, reply.id, config=app.config)
        assert reply.state == ReplyState.FAILED and "may have been sent" in reply.error
        assert delivery.deliver_queued(db_session, utcnow(), config=app.config) == 0
