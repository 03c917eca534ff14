"""Escalation: the advisor passes a comment (a complaint, an off-script question, a legal
threat) to compliance with a note; compliance may pass it to the senior/legal reviewer. It
has an owner (whoever took it), a state, and a response-time target counted in business hours
(``approvals.queue.elapsed_minutes``, ``REVIEW_BUSINESS_HOURS``); it ends with an answer sent
through the portal or a recorded decision not to answer. Complaints are tagged as such for the
complaints register.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.accounts.services import users_with_role
from advisor_hub.audit.services import record
from advisor_hub.conversations import archiving, settings
from advisor_hub.conversations.errors import RepeatsClientData
from advisor_hub.conversations.models import (
    Comment,
    Escalation,
    EscalationLevel,
    EscalationReason,
    EscalationState,
    Reply,
    ReplySource,
    ReplyState,
)
from advisor_hub.conversations.replies import check_answerable, clean_reply_text, own_comment
from advisor_hub.conversations.sensitive import repeats
from advisor_hub.db import utcnow
from advisor_hub.errors import Conflict, NotFound, PermissionDenied, ValidationError
from advisor_hub.notifications.services import N_, notify
from advisor_hub.roles import Role, require_role
from advisor_hub.text import sanitize
from approvals.queue import elapsed_minutes
from approvals.services import screen_text

HANDLERS = (Role.COMPLIANCE, Role.SENIOR_COMPLIANCE)
MAX_NOTE = 4000


def escalation_url(escalation_id: int) -> str:
    return f"/conversations/escalations/{escalation_id}"


def _note(value: str, *, required: bool = True, field: str = "note") -> str:
    text = sanitize(value).strip()
    if required and not text:
        raise ValidationError(_l("Write a note."), field=field)
    if len(text) > MAX_NOTE:
        raise ValidationError(_l("A note is at most %(n)d characters.", n=MAX_NOTE),
                              field=field)
    return text


def _snapshot(e: Escalation) -> dict[str, Any]:
    return {"level": e.level, "state": e.state, "owner_id": e.owner_id,
            "target_minutes": e.target_minutes, "decision": e.decision}


def open_escalation(session: Session, comment_id: int) -> Escalation | None:
    return session.scalar(select(Escalation).where(
        Escalation.comment_id == comment_id, Escalation.state == EscalationState.OPEN))


def escalate(session: Session, *, actor: User, comment_id: int, reason: EscalationReason | str,
             note: str, config: Mapping[str, Any], now: datetime | None = None
             ) -> Escalation:
    """The advisor hands a comment on their post to compliance."""
    now = now or utcnow()
    comment = own_comment(session, actor, comment_id)
    try:
        reason = EscalationReason(reason)
    except ValueError:
        raise ValidationError(_l("Choose a reason."), field="reason") from None
    if open_escalation(session, comment.id) is not None:
        raise Conflict(_l("This comment is already with compliance."))
    escalation = Escalation(
        comment_id=comment.id, reason=reason, level=EscalationLevel.COMPLIANCE,
        state=EscalationState.OPEN, opened_by_id=actor.id, note=_note(note),
        target_minutes=settings.escalation_target(config, legal=False), opened_at=now,
        level_since=now)
    session.add(escalation)
    comment.read_at = comment.read_at or now
    if reason == EscalationReason.COMPLAINT:
        comment.complaint = True
    session.flush()
    record(session, actor, "conversations.escalated", escalation, after=_snapshot(escalation))
    for reviewer in users_with_role(session, Role.COMPLIANCE, exclude_ids=[actor.id]):
        notify(session, reviewer,
               N_("%(advisor)s escalated a client's comment to compliance: %(note)s"),
               {"advisor": actor.full_name, "note": escalation.note},
               escalation_url(escalation.id))
    return escalation


def get_escalation(session: Session, *, actor: User, escalation_id: int) -> Escalation:
    """Compliance and senior reviewers see every escalation; the advisor their own."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise NotFound()
    if actor.has_any_role(HANDLERS) or escalation.comment.advisor_id == actor.id:
        return escalation
    raise NotFound()


def _handled_by(actor: User, escalation: Escalation) -> None:
    """Who may act on it at its level: compliance (or senior) at first, senior once with legal."""
    require_role(actor, *HANDLERS)
    if escalation.level == EscalationLevel.LEGAL and not actor.has_role(Role.SENIOR_COMPLIANCE):
        raise PermissionDenied(_l("Only the senior / legal reviewer handles this now."))
    if not escalation.state.is_open:
        raise Conflict(_l("This escalation is closed."))
    if escalation.comment.advisor_id == actor.id:
        raise PermissionDenied(_l("Nobody handles an escalation about their own post."))


def take(session: Session, *, actor: User, escalation_id: int) -> Escalation:
    """Become its owner."""
    escalation = get_escalation(session, actor=actor, escalation_id=escalation_id)
    _handled_by(actor, escalation)
    before = _snapshot(escalation)
    escalation.owner_id = actor.id
    session.flush()
    record(session, actor, "conversations.escalation_taken", escalation, before=before,
           after=_snapshot(escalation))
    return escalation


def pass_to_legal(session: Session, *, actor: User, escalation_id: int, note: str,
                  config: Mapping[str, Any], now: datetime | None = None) -> Escalation:
    """Compliance passes it on to the senior / legal reviewer (a new target from now)."""
    now = now or utcnow()
    escalation = get_escalation(session, actor=actor, escalation_id=escalation_id)
    _handled_by(actor, escalation)
    if escalation.level == EscalationLevel.LEGAL:
        raise Conflict(_l("This escalation is with the senior / legal reviewer already."))
    before = _snapshot(escalation)
    escalation.level, escalation.owner_id, escalation.level_since = (
        EscalationLevel.LEGAL, None, now)
    escalation.target_minutes = settings.escalation_target(config, legal=True)
    escalation.note = f"{escalation.note}\n\n{actor.full_name}: {_note(note)}"[:8000]
    session.flush()
    record(session, actor, "conversations.escalation_to_legal", escalation, before=before,
           after=_snapshot(escalation))
    for senior in users_with_role(session, Role.SENIOR_COMPLIANCE, exclude_ids=[actor.id]):
        notify(session, senior, N_("%(reviewer)s passed a client's comment to you: %(note)s"),
               {"reviewer": actor.full_name, "note": note}, escalation_url(escalation.id))
    return escalation


def answer(session: Session, *, actor: User, escalation_id: int, text: str,
           now: datetime | None = None) -> Reply:
    """End it with an answer sent through the portal, from the advisor's account. The
    reviewer writes it: no further review, but the policy engine still screens it (a blocking
    finding refuses it) and it never repeats the client's sensitive data."""
    now = now or utcnow()
    escalation = get_escalation(session, actor=actor, escalation_id=escalation_id)
    _handled_by(actor, escalation)
    comment = escalation.comment
    check_answerable(comment)
    if session.scalar(select(Reply.id).where(
            Reply.escalation_id == escalation.id,
            Reply.state.in_((ReplyState.QUEUED, ReplyState.SENDING, ReplyState.SENT)))):
        raise Conflict(_l("An answer to this escalation is on its way already."))
    text = clean_reply_text(comment, text)
    if repeats(session, comment.text, text):
        raise RepeatsClientData(field="text")
    screening = screen_text(session, text)
    if screening.blocked:
        raise ValidationError(_l("The policy engine blocks this answer: %(n)d finding(s)."
                                 , n=screening.count), field="text")
    reply = Reply(comment_id=comment.id, author_id=actor.id, source=ReplySource.FREE_FORM,
                  text=text, state=ReplyState.QUEUED, findings_count=screening.count,
                  escalation_id=escalation.id, created_at=now)
    session.add(reply)
    before = _snapshot(escalation)
    escalation.owner_id = escalation.owner_id or actor.id
    escalation.closed_by_id, escalation.decision = actor.id, "answered"
    session.flush()
    record(session, actor, "conversations.escalation_answered", escalation, before=before,
           after={**_snapshot(escalation), "reply_id": reply.id, "text": text})
    return reply


def close_without_answer(session: Session, *, actor: User, escalation_id: int,
                         decision: str, now: datetime | None = None) -> Escalation:
    """End it with a recorded decision not to answer (archived with the comment)."""
    now = now or utcnow()
    escalation = get_escalation(session, actor=actor, escalation_id=escalation_id)
    _handled_by(actor, escalation)
    before = _snapshot(escalation)
    escalation.decision = _note(decision, field="decision")
    escalation.state, escalation.closed_at, escalation.closed_by_id = (
        EscalationState.CLOSED, now, actor.id)
    escalation.owner_id = escalation.owner_id or actor.id
    session.flush()
    archiving.archive_comment_event(session, escalation.comment, "not_answered", now,
                                    actor_id=actor.id, decision=escalation.decision,
                                    escalation_id=escalation.id,
                                    level=escalation.level.value)
    record(session, actor, "conversations.escalation_closed", escalation, before=before,
           after=_snapshot(escalation))
    notify(session, escalation.comment.advisor,
           N_("Compliance decided not to answer the comment you escalated: %(decision)s"),
           {"decision": escalation.decision}, escalation_url(escalation.id))
    return escalation


def tag_complaint(session: Session, *, actor: User, comment_id: int, complaint: bool,
                  now: datetime | None = None) -> Comment:
    """Mark (or unmark) a comment as a complaint for the complaints register."""
    now = now or utcnow()
    comment = session.get(Comment, comment_id)
    if comment is None or not (actor.has_any_role(HANDLERS) or comment.advisor_id == actor.id):
        raise NotFound()
    if comment.complaint == complaint:
        return comment
    comment.complaint = complaint
    session.flush()
    archiving.archive_comment_event(session, comment, "complaint", now, actor_id=actor.id,
                                    complaint=complaint)
    record(session, actor, "conversations.complaint_tagged", comment,
           after={"complaint": complaint})
    return comment


@dataclass(frozen=True)
class EscalationRow:
    escalation: Escalation
    elapsed_minutes: int

    @property
    def overdue(self) -> bool:
        return self.escalation.state.is_open and self.elapsed_minutes > \
            self.escalation.target_minutes


def list_escalations(session: Session, *, actor: User, open_only: bool = True,
                     now: datetime | None = None) -> list[EscalationRow]:
    """Compliance's list: open ones first by level-time, with business minutes elapsed."""
    require_role(actor, *HANDLERS)
    now = now or utcnow()
    query = select(Escalation).order_by(Escalation.level_since, Escalation.id)
    if open_only:
        query = query.where(Escalation.state == EscalationState.OPEN)
    return [EscalationRow(e, elapsed_minutes(e.level_since, e.closed_at or now, business=True))
            for e in session.scalars(query.limit(500))]


def complaints(session: Session, *, actor: User) -> list[Comment]:
    """The complaints register: every comment tagged a complaint, newest first."""
    require_role(actor, *HANDLERS)
    return list(session.scalars(select(Comment).where(Comment.complaint.is_(True))
                                .order_by(Comment.created_at.desc()).limit(500)))
