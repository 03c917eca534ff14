"""Replies to clients' comments: in one click with an approved answer, or free-form under the
firm's review mode. Creating a reply decides whether it may go out; ``delivery`` sends it.

* An approved answer rests on its approval: an approval decided at once by the system
  (``approvals.approve_from_library``) with the hash of the exact personalised text.
* Free-form, ``REPLY_REVIEW_MODE = "pre"``: every reply goes to compliance's queue (review kind
  "reply") and out once approved. ``"post"``: a reply with no finding goes out at once and is
  sampled for review afterwards (kind "reply_sample") at the advisor's rate; any finding sends
  it to the queue first.
* Never: a reply that repeats the client's sensitive data (refused, whatever the mode), a
  reply to a comment deleted on the network, to the account's own comment, or on a network
  the app cannot answer on.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.conversations import answers, settings
from advisor_hub.conversations.errors import CannotAnswer, RepeatsClientData
from advisor_hub.conversations.models import Comment, Reply, ReplySource, ReplyState
from advisor_hub.conversations.sensitive import repeats
from advisor_hub.db import utcnow
from advisor_hub.errors import NotFound, ValidationError
from advisor_hub.networks import ADAPTERS, NetworkConfig
from advisor_hub.notifications.services import N_, notify
from advisor_hub.roles import Role, require_role
from advisor_hub.text import sanitize
from approvals.services import (
    ReviewContent,
    ReviewStatus,
    approve_from_library,
    screen_text,
    submit_for_review,
)

REPLY_KIND = "reply"
SAMPLE_KIND = "reply_sample"
MAX_REPLY = 8000


def reply_editors(session: Session, reply_id: int) -> frozenset[int]:
    """A reply is only ever written by its author, who may not decide on it."""
    reply = session.get(Reply, reply_id)
    return frozenset({reply.author_id}) if reply is not None else frozenset()


def reply_url(reply_id: int) -> str:
    return f"/conversations/replies/{reply_id}"


def own_comment(session: Session, actor: User, comment_id: int) -> Comment:
    """The advisor's own comment (one on their post); NotFound for anyone else's."""
    require_role(actor, Role.ADVISOR)
    comment = session.get(Comment, comment_id)
    if comment is None or comment.advisor_id != actor.id:
        raise NotFound()
    return comment


def check_answerable(comment: Comment) -> None:
    adapter = ADAPTERS.get(comment.network)
    if comment.deleted_at is not None:
        raise CannotAnswer(_l("The client deleted this comment on the network."))
    if comment.own:
        raise CannotAnswer(_l("This is your account's own comment."))
    if adapter is None or not adapter.supports_comments:
        raise CannotAnswer()


def clean_reply_text(comment: Comment, text: str) -> str:
    text = sanitize(text).strip()
    if not text:
        raise ValidationError(_l("Write a reply."), field="text")
    limit = min(MAX_REPLY, ADAPTERS[comment.network].char_limit)
    if ADAPTERS[comment.network](NetworkConfig()).count_chars(text) > limit:
        raise ValidationError(_l("The reply is too long for %(network)s: at most %(n)d "
                                 "characters.", network=ADAPTERS[comment.network].label,
                                 n=limit), field="text")
    return text


def _check_no_repeat(session: Session, comment: Comment, text: str) -> None:
    if repeats(session, comment.text, text):
        raise RepeatsClientData(field="text")


def _title(comment: Comment) -> str:
    return f"Reply to {comment.author_name or 'a client'} ({comment.network})"[:200]


def _answered(comment: Comment, reply: Reply, now: datetime) -> None:
    comment.read_at = comment.read_at or now
    reply.created_at = now


def reply_with_template(session: Session, *, actor: User, comment_id: int, template_id: int,
                        now: datetime | None = None) -> Reply:
    """One click: the approved answer, personalised with the advisor's own values, approved
    at once on its template's approval (queued to go out)."""
    now = now or utcnow()
    comment = own_comment(session, actor, comment_id)
    check_answerable(comment)
    template = session.get(answers.ReplyTemplate, template_id)
    if template is None or not template.valid_at(now) or template.review_id is None:
        raise NotFound(_l("This answer is not available (retired, expired or not approved)."))
    text = clean_reply_text(comment, answers.render_answer(template, actor))
    _check_no_repeat(session, comment, text)
    reply = Reply(comment_id=comment.id, author_id=actor.id, source=ReplySource.TEMPLATE,
                  template_id=template.id, text=text, state=ReplyState.QUEUED,
                  findings_count=0)
    session.add(reply)
    session.flush()
    review = approve_from_library(
        session, kind=REPLY_KIND, subject_id=reply.id, author=actor,
        content=ReviewContent(text=text, title=_title(comment)),
        basis_review_id=template.review_id)
    reply.review_id = review.id
    _answered(comment, reply, now)
    session.flush()
    record(session, actor, "conversations.reply_created", reply, after=_state(reply))
    return reply


def _recent_findings(session: Session, advisor_id: int, since: datetime) -> bool:
    flagged = select(Reply.id).where(Reply.author_id == advisor_id, Reply.created_at >= since,
                                     (Reply.findings_count > 0)
                                     | (Reply.state == ReplyState.REJECTED))
    return bool(session.scalar(select(exists(flagged))))


def reply_free_form(session: Session, *, actor: User, comment_id: int, text: str,
                    config: Mapping[str, Any], now: datetime | None = None,
                    sampler: Any = random.random) -> Reply:
    """A reply in the advisor's own words, screened by the policy engine; the firm's mode
    decides whether it waits for compliance (see the module's docstring)."""
    now = now or utcnow()
    comment = own_comment(session, actor, comment_id)
    check_answerable(comment)
    text = clean_reply_text(comment, text)
    _check_no_repeat(session, comment, text)
    screening = screen_text(session, text, allowed_contacts=frozenset({actor.email.lower()}))
    mode = settings.review_mode(config)
    pre_review = mode == settings.ReviewMode.PRE or screening.count > 0
    recent = _recent_findings(session, actor.id,
                              now - timedelta(days=settings.recent_findings_days(config)))
    reply = Reply(comment_id=comment.id, author_id=actor.id, source=ReplySource.FREE_FORM,
                  text=text, findings_count=screening.count,
                  state=ReplyState.PENDING_REVIEW if pre_review else ReplyState.QUEUED)
    session.add(reply)
    session.flush()
    content = ReviewContent(text=text, title=_title(comment))
    if pre_review:
        review = submit_for_review(session, kind=REPLY_KIND, subject_id=reply.id, author=actor,
                                   content=content, networks=[comment.network],
                                   branch_id=actor.branch_id, category="reply")
        reply.review_id = review.id
    elif sampler() < settings.sample_rate(config, branch_id=actor.branch_id,
                                          recent_findings=recent):
        review = submit_for_review(session, kind=SAMPLE_KIND, subject_id=reply.id,
                                   author=actor, content=content, networks=[comment.network],
                                   branch_id=actor.branch_id, category="reply_sample")
        reply.sample_review_id = review.id
    _answered(comment, reply, now)
    session.flush()
    record(session, actor, "conversations.reply_created", reply,
           after={**_state(reply), "mode": mode.value, "findings": screening.count})
    return reply


def _state(reply: Reply) -> dict[str, Any]:
    return {"comment_id": reply.comment_id, "source": reply.source, "state": reply.state,
            "template_id": reply.template_id, "review_id": reply.review_id,
            "sample_review_id": reply.sample_review_id, "text": reply.text}


# --- decisions of compliance (declared in advisor_hub.features) -----------------------------


def on_reply_decision(session: Session, reply_id: int, outcome: ReviewStatus,
                      review: Any) -> None:
    """A reply reviewed before it goes out: approved → queued for sending, else refused."""
    reply = session.get(Reply, reply_id)
    if reply is None:
        raise NotFound()
    if reply.state != ReplyState.PENDING_REVIEW:
        return  # an approval from the library's basis, or already settled
    before = _state(reply)
    reply.state = ReplyState.QUEUED if outcome == ReviewStatus.APPROVED else ReplyState.REJECTED
    session.flush()
    record(session, None, f"conversations.reply_{outcome}", reply, before=before,
           after=_state(reply))


def on_sample_decision(session: Session, reply_id: int, outcome: ReviewStatus,
                       review: Any) -> None:
    """A reply reviewed after it went out: anything but an approval is recorded against the
    advisor (their next replies are sampled at the "recent findings" rate) and told."""
    reply = session.get(Reply, reply_id)
    if reply is None:
        raise NotFound()
    record(session, None, f"conversations.reply_sample_{outcome}", reply,
           after={"sample_review_id": reply.sample_review_id, "outcome": outcome})
    if outcome in (ReviewStatus.REJECTED, ReviewStatus.CHANGES_REQUESTED):
        reply.findings_count = max(1, reply.findings_count)
        notify(session, reply.author,
               N_("Compliance reviewed a reply you sent and did not approve it: read the "
                  "comment in the review and take it into account in your next replies."),
               {}, reply_url(reply.id))
    session.flush()


def get_reply(session: Session, *, actor: User, reply_id: int) -> Reply:
    reply = session.get(Reply, reply_id)
    if reply is None:
        raise NotFound()
    if reply.author_id != actor.id and not actor.has_any_role(
            (Role.COMPLIANCE, Role.SENIOR_COMPLIANCE)):
        raise NotFound()
    return reply
