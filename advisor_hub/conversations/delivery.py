"""Sending replies and hiding comments: the two conversations calls that act on a network.

Both run outside the request's unit of work and own their short transactions, as the
dispatcher does: they check and claim what they need and commit, call the network with no
transaction open, then record the answer and commit. So a slow network never holds a lock,
and nothing is recorded as sent or hidden unless the network said so.

A reply is claimed with a conditional UPDATE (``queued`` → ``sending``, or a ``sending`` whose
lease ran out): two senders never both send it. After an answer that may mean "sent" (a
timeout, a 5xx) the reply is ``failed`` with that said, never resent blindly: the advisor
checks the post (an X resend would anyway be refused as a duplicate).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.conversations import archiving
from advisor_hub.conversations.capture import begin_write, tokens_for
from advisor_hub.conversations.models import (
    Comment,
    Escalation,
    EscalationState,
    Reply,
    ReplyState,
)
from advisor_hub.conversations.replies import own_comment
from advisor_hub.db import rows_changed, utcnow
from advisor_hub.errors import Conflict
from advisor_hub.networks import (
    ADAPTERS,
    NetworkAdapter,
    NetworkError,
    NotSent,
    OutcomeUnknown,
    ReauthNeeded,
)
from advisor_hub.notifications.services import N_, notify
from advisor_hub.publishing.connect import adapter_for
from advisor_hub.publishing.linking import mark_relink_needed
from advisor_hub.publishing.models import AccountStatus, LinkedAccount

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=1)


def _claim(session: Session, reply_id: int, now: datetime) -> bool:
    return rows_changed(session,
        update(Reply)
        .where(Reply.id == reply_id,
               (Reply.state == ReplyState.QUEUED)
               | ((Reply.state == ReplyState.SENDING) & (Reply.lease_expires_at < now)))
        .values(state=ReplyState.SENDING, lease_expires_at=now + LEASE,
                attempts=Reply.attempts + 1)
        .execution_options(synchronize_session=False)) == 1


def deliver_reply(session: Session, reply_id: int, *, config: Mapping[str, Any],
                  now: datetime | None = None,
                  adapter: NetworkAdapter | None = None) -> Reply | None:
    """Send one queued reply; None when another sender has it (or it is not queued)."""
    now = now or utcnow()
    begin_write(session)
    claimed = _claim(session, reply_id, now)
    session.commit()
    if not claimed:
        return None
    reply = session.get(Reply, reply_id, populate_existing=True)
    assert reply is not None
    comment = reply.comment
    account = session.get(LinkedAccount, comment.account_id)
    adapter = adapter or adapter_for(config, comment.network)
    try:
        if account is None:
            raise ReauthNeeded("the linked account is gone")
        tokens = tokens_for(session, account.id, adapter, config)
        external_id = adapter.reply(tokens, account.external_id, comment.network_post_id,
                                    comment.external_id, reply.text)
    except NetworkError as error:
        session.rollback()
        return _failed(session, reply_id, error, now)
    begin_write(session)
    reply = session.get(Reply, reply_id, populate_existing=True)
    assert reply is not None
    reply.state, reply.external_id, reply.sent_at = ReplyState.SENT, external_id, now
    reply.lease_expires_at, reply.error = None, None
    comment = reply.comment
    comment.first_answer_at = min(filter(None, (comment.first_answer_at, now)))
    session.flush()
    archiving.archive_reply(session, reply, comment)
    if reply.escalation_id is not None:
        escalation = session.get(Escalation, reply.escalation_id)
        if escalation is not None and escalation.state.is_open:
            escalation.state, escalation.closed_at = EscalationState.ANSWERED, now
    record(session, None, "conversations.reply_sent", reply,
           after={"state": reply.state, "external_id": external_id})
    session.commit()
    return reply


def _failed(session: Session, reply_id: int, error: NetworkError, now: datetime) -> Reply:
    begin_write(session)
    reply = session.get(Reply, reply_id, populate_existing=True)
    assert reply is not None
    message = (error.message or str(error))[:2000]
    if isinstance(error, NotSent) and reply.attempts < MAX_ATTEMPTS:
        reply.state, reply.error = ReplyState.QUEUED, message  # the job tries again
        reply.lease_expires_at = None
    else:
        if isinstance(error, OutcomeUnknown):
            message = str(_l("It may have been sent: check the post before answering again. "
                             "(%(error)s)", error=message))
        reply.state, reply.error, reply.lease_expires_at = ReplyState.FAILED, message, None
        notify(session, reply.author,
               N_("Your reply to %(name)s could not be sent: %(error)s"),
               {"name": reply.comment.author_name, "error": message},
               f"/conversations/comments/{reply.comment_id}")
    if isinstance(error, ReauthNeeded):
        account = session.get(LinkedAccount, reply.comment.account_id)
        if account is not None:
            mark_relink_needed(session, account, message)
    record(session, None, "conversations.reply_failed", reply,
           after={"state": reply.state, "error": message})
    session.commit()
    return reply


def deliver_queued(session: Session, now: datetime, *,
                   config: Mapping[str, Any] | None = None) -> int:
    """The periodic job ``conversations.deliver``: every reply approved since (or retried)."""
    from flask import current_app

    config = config if config is not None else current_app.config
    ids = list(session.scalars(select(Reply.id).where(
        (Reply.state == ReplyState.QUEUED)
        | ((Reply.state == ReplyState.SENDING) & (Reply.lease_expires_at < now)))
        .order_by(Reply.id).limit(100)))
    session.commit()
    sent = 0
    for reply_id in ids:
        reply = deliver_reply(session, reply_id, config=config, now=now)
        sent += bool(reply is not None and reply.state == ReplyState.SENT)
    return sent


def hide_comment(session: Session, *, actor: User, comment_id: int,
                 config: Mapping[str, Any], now: datetime | None = None,
                 adapter: NetworkAdapter | None = None) -> Comment:
    """Hide a comment from the public (Facebook, the Sandbox), audited and archived. Checks
    first (a refusal calls nothing); the network's refusal records nothing."""
    now = now or utcnow()
    comment = own_comment(session, actor, comment_id)
    if not ADAPTERS[comment.network].supports_hide:
        raise Conflict(_l("%(network)s does not let the app hide a comment.",
                          network=ADAPTERS[comment.network].label))
    if comment.hidden_at is not None:
        return comment
    if comment.deleted_at is not None:
        raise Conflict(_l("The client deleted this comment on the network."))
    account = session.get(LinkedAccount, comment.account_id)
    if account is None or account.status != AccountStatus.ACTIVE:
        raise Conflict(_l("The account of this post is no longer linked: relink it first."))
    account_id, external_id = account.id, comment.external_id
    session.commit()
    adapter = adapter or adapter_for(config, comment.network)
    tokens = tokens_for(session, account_id, adapter, config)
    adapter.hide_comment(tokens, external_id)  # a NetworkError propagates: nothing recorded
    begin_write(session)
    comment = own_comment(session, actor, comment_id)
    comment.hidden_at, comment.hidden_by_id = now, actor.id
    session.flush()
    archiving.archive_comment_event(session, comment, "hidden", now, actor_id=actor.id)
    record(session, actor, "conversations.comment_hidden", comment,
           after={"hidden_at": now, "network_comment_id": external_id})
    session.commit()
    return comment
