"""Approved replies: "answers to recurring questions" that marketing curates and compliance
approves, with the library's lifecycle, versions and validity window.

Why here and not in ``content_library``: the lifecycle is the library's own (its ``Status``
states, its placeholder parser ``content_library.rendering``, the review through
``approvals``), imported as is; only the table lives in this package's migration branch, so the
library's tables and its migrations stay untouched, and the answers sit next to the replies
that use them. Each row is one version: editing an approved answer starts the next row of the
same ``lineage_id`` as a draft, and the approved one stays in use until the new one is.

Personalisation is as safe as life-event templates: ``{name}`` placeholders from a fixed set
of the advisor's own values (never the client's text), rendered by the library's parser.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.audit.services import trail_for as audit_trail
from advisor_hub.conversations.models import ReplyTemplate
from advisor_hub.db import utcnow
from advisor_hub.errors import Conflict, NotFound, ValidationError
from advisor_hub.i18n import LANGUAGES
from advisor_hub.roles import Role, require_role
from advisor_hub.text import sanitize
from approvals.services import ReviewContent, ReviewStatus, submit_for_review
from content_library.decisions import apply_decision, retire_lineage
from content_library.models import EDITABLE, Status
from content_library.rendering import check_placeholders, render_placeholders
from content_library.use import advisor_values

TEMPLATE_KIND = "reply_template"
CURATORS = (Role.MARKETING,)
REPLY_PLACEHOLDERS = ("advisor_first_name", "advisor_last_name", "branch_name", "branch_city")
MAX_TEXT = 1000  # an answer is short; X's 280 is checked when replying there


EDITING_ACTIONS = ("conversations.answer_created", "conversations.answer_updated",
                   "conversations.answer_version_created", "conversations.answer_submitted")


def template_editors(session: Session, template_id: int) -> frozenset[int]:
    """Who wrote, changed or submitted this answer (none of them may decide on it), from
    its audit trail: every edit is audited with its actor."""
    template = session.get(ReplyTemplate, template_id)
    editors = {template.created_by_id} if template is not None else set()
    for event in audit_trail(session, (ReplyTemplate.__tablename__, template_id)):
        if event.action in EDITING_ACTIONS and event.actor_id is not None:
            editors.add(event.actor_id)
    return frozenset(editors)


def template_url(template_id: int) -> str:
    return f"/conversations/answers/{template_id}"


def _state(t: ReplyTemplate) -> dict[str, Any]:
    return {"lineage_id": t.lineage_id, "number": t.number, "title": t.title, "text": t.text,
            "language": t.language, "private_contact": t.private_contact, "status": t.status,
            "review_id": t.review_id, "available_from": t.available_from,
            "expires_at": t.expires_at}


def _clean(title: str, text: str, language: str, available_from: datetime | None,
           expires_at: datetime | None) -> tuple[str, str]:
    title = " ".join(sanitize(title).split())[:200]
    text = sanitize(text).strip()
    if not title:
        raise ValidationError(_l("A title is required."), field="title")
    if not text:
        raise ValidationError(_l("The answer is empty."), field="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(_l("An answer is at most %(n)d characters.", n=MAX_TEXT),
                              field="text")
    try:
        check_placeholders(text, REPLY_PLACEHOLDERS)
    except ValidationError as error:
        raise ValidationError(error.message, field="text") from error
    if language not in LANGUAGES:
        raise ValidationError(_l("Choose English or French."), field="language")
    if available_from and expires_at and expires_at <= available_from:
        raise ValidationError(_l("The end of validity must come after its start."),
                              field="expires_at")
    return title, text


def get_template(session: Session, template_id: int) -> ReplyTemplate:
    template = session.get(ReplyTemplate, template_id)
    if template is None:
        raise NotFound()
    return template


def lineage(session: Session, lineage_id: int) -> list[ReplyTemplate]:
    return list(session.scalars(select(ReplyTemplate).where(
        ReplyTemplate.lineage_id == lineage_id).order_by(ReplyTemplate.number)))


def create_template(session: Session, *, actor: User, title: str, text: str, language: str,
                    private_contact: bool = False, available_from: datetime | None = None,
                    expires_at: datetime | None = None) -> ReplyTemplate:
    """Marketing drafts an answer (sent for review separately)."""
    require_role(actor, *CURATORS)
    title, text = _clean(title, text, language, available_from, expires_at)
    template = ReplyTemplate(title=title, text=text, language=language,
                             private_contact=private_contact, status=Status.DRAFT,
                             available_from=available_from, expires_at=expires_at,
                             created_by_id=actor.id, number=1)
    session.add(template)
    session.flush()
    template.lineage_id = template.id
    session.flush()
    record(session, actor, "conversations.answer_created", template, after=_state(template))
    return template


def edit_template(session: Session, *, actor: User, template_id: int, title: str, text: str,
                  language: str, private_contact: bool = False,
                  available_from: datetime | None = None,
                  expires_at: datetime | None = None) -> ReplyTemplate:
    """Change a draft in place, or start the next version of an approved answer."""
    require_role(actor, *CURATORS)
    versions = lineage(session, get_template(session, template_id).lineage_id or template_id)
    latest = versions[-1]
    if latest.retired_at is not None:
        raise Conflict(_l("This answer is retired; it can no longer be changed."))
    if latest.status == Status.IN_REVIEW:
        raise Conflict(_l("Version %(n)d is in review; wait for the decision before editing.",
                          n=latest.number))
    title, text = _clean(title, text, language, available_from, expires_at)
    values = {"title": title, "text": text, "language": language,
              "private_contact": private_contact, "available_from": available_from,
              "expires_at": expires_at}
    if latest.status in EDITABLE:
        before = _state(latest)
        for key, value in values.items():
            setattr(latest, key, value)
        latest.updated_at = utcnow()
        session.flush()
        record(session, actor, "conversations.answer_updated", latest, before=before,
               after=_state(latest))
        return latest
    new = ReplyTemplate(lineage_id=latest.lineage_id, number=latest.number + 1,
                        status=Status.DRAFT, created_by_id=actor.id, **values)
    session.add(new)
    session.flush()
    record(session, actor, "conversations.answer_version_created", new, after=_state(new))
    return new


def submit_template(session: Session, *, actor: User, template_id: int) -> ReplyTemplate:
    """Send a draft to compliance (review kind "reply_template")."""
    require_role(actor, *CURATORS)
    template = get_template(session, template_id)
    if template.status not in EDITABLE or template.retired_at is not None:
        raise Conflict(_l("Only a draft can be sent for review."))
    review = submit_for_review(
        session, kind=TEMPLATE_KIND, subject_id=template.id, author=actor,
        content=ReviewContent(text=template.text, title=template.title),
        networks=[], branch_id=None, category="reply_template")
    before = {"status": template.status}
    template.review_id = review.id
    template.status = Status.IN_REVIEW
    template.submitted_at = utcnow()
    session.flush()
    record(session, actor, "conversations.answer_submitted", template, before=before,
           after={"status": template.status, "review_id": template.review_id})
    return template


def on_template_decision(session: Session, template_id: int, outcome: ReviewStatus,
                         review: Any) -> None:
    """Approvals' decision on an answer (declared for kind "reply_template" in
    ``advisor_hub.features``)."""
    template = get_template(session, template_id)
    apply_decision(session, template, outcome=outcome, decision=review,
                   editors=template_editors(session, template.id),
                   lineage=lineage(session, template.lineage_id or template.id),
                   action="conversations.answer", not_in_review=_l("This answer is not in review."))


def retire_template(session: Session, *, actor: User, template_id: int) -> ReplyTemplate:
    require_role(actor, *CURATORS)
    template = get_template(session, template_id)
    retire_lineage(session, template, actor=actor,
                   versions=lineage(session, template.lineage_id or template.id),
                   action="conversations.answer_retired",
                   already_retired=_l("This answer is already retired."))
    return template


def list_templates(session: Session, *, actor: User) -> list[ReplyTemplate]:
    """Marketing's list (compliance reads it too): the latest version of every answer."""
    require_role(actor, *CURATORS, Role.COMPLIANCE, Role.SENIOR_COMPLIANCE)
    latest: dict[int, ReplyTemplate] = {}
    for row in session.scalars(select(ReplyTemplate).order_by(ReplyTemplate.lineage_id,
                                                              ReplyTemplate.number)):
        latest[row.lineage_id or row.id] = row
    return sorted(latest.values(), key=lambda t: (t.title.lower(), t.id))


def usable_templates(session: Session, *, advisor: User, now: datetime,
                     language: str | None = None) -> list[ReplyTemplate]:
    """Answers an advisor may send now: approved, not retired, inside their validity; the
    "contact us privately" ones first."""
    query = select(ReplyTemplate).where(ReplyTemplate.status == Status.APPROVED,
                                        ReplyTemplate.retired_at.is_(None))
    if language:
        query = query.where(ReplyTemplate.language == language)
    rows = [t for t in session.scalars(query) if t.valid_at(now)]
    return sorted(rows, key=lambda t: (not t.private_contact, t.title.lower(), t.id))


def render_answer(template: ReplyTemplate, advisor: User) -> str:
    """The answer with the advisor's own values; RenderError when one is missing (never a raw
    placeholder)."""
    return render_placeholders(template.text, advisor_values(advisor), REPLY_PLACEHOLDERS)
