"""What compliance configures besides the policy: rejection reason codes and the
service-level target of the queue."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.db import utcnow
from advisor_hub.errors import NotFound, ValidationError
from advisor_hub.roles import require_role
from advisor_hub.text import sanitize
from approvals.access import REVIEWERS
from approvals.models import ReasonCode, ReviewSettings

# --- reason codes -----------------------------------------------------------------------------

# (code, English label): what approvals_0001 seeded; the French labels come with
# approvals_0003 (STARTER_REASONS_FR) and with seed_reason_codes.
STARTER_REASONS = (
    ("misleading", "Misleading or unbalanced claim"),
    ("promise", "Promise of return or absence of risk"),
    ("personal_data", "Personal or client data"),
    ("unapproved_link", "Link to an unapproved site"),
    ("off_brand", "Tone or brand guidelines"),
    ("missing_disclosure", "Missing risk warning or disclosure"),
    ("other", "Other (see comment)"),
)
STARTER_REASONS_FR = {
    "misleading": "Affirmation trompeuse ou déséquilibrée",
    "promise": "Promesse de rendement ou d'absence de risque",
    "personal_data": "Données personnelles ou de clients",
    "unapproved_link": "Lien vers un site non approuvé",
    "off_brand": "Ton ou charte de la marque",
    "missing_disclosure": "Avertissement sur les risques ou mention obligatoire manquant",
    "other": "Autre (voir le commentaire)",
}


def list_reason_codes(session: Session, *, active_only: bool = True) -> list[ReasonCode]:
    query = select(ReasonCode).order_by(ReasonCode.label)
    if active_only:
        query = query.where(ReasonCode.active.is_(True))
    return list(session.scalars(query))


def active_reason(session: Session, code: str | None) -> ReasonCode | None:
    """The active reason with this code (None for an unknown or retired one)."""
    return session.scalar(select(ReasonCode).where(
        ReasonCode.code == (code or ""), ReasonCode.active.is_(True)))


def _clean_labels(label: str, label_fr: str) -> tuple[str, str]:
    label = sanitize(label, field="label")[:200]
    label_fr = sanitize(label_fr, field="label_fr")[:200]
    if not label:
        raise ValidationError(_l("Enter a label."), field="label")
    if not label_fr:
        raise ValidationError(_l("Enter the label in French."), field="label_fr")
    return label, label_fr


def add_reason_code(session: Session, *, actor: User, code: str, label: str,
                    label_fr: str) -> ReasonCode:
    """A new reason, with its label in English (``label``) and French (``label_fr``)."""
    require_role(actor, *REVIEWERS)
    code = "_".join(sanitize(code, field="code").lower().split())[:64]
    if not code:
        raise ValidationError(_l("Enter a short code."), field="code")
    label, label_fr = _clean_labels(label, label_fr)
    if session.scalar(select(ReasonCode.id).where(ReasonCode.code == code)) is not None:
        raise ValidationError(_l("This code already exists."), field="code")
    reason = ReasonCode(code=code, label=label, label_fr=label_fr)
    session.add(reason)
    session.flush()
    record(session, actor, "reason_code.added", reason,
           after={"code": code, "label": label, "label_fr": label_fr})
    return reason


def update_reason_labels(session: Session, *, actor: User, reason_id: int, label: str,
                         label_fr: str) -> ReasonCode:
    """Change a reason's labels (the code, kept on past decisions, stays)."""
    require_role(actor, *REVIEWERS)
    reason = session.get(ReasonCode, reason_id)
    if reason is None:
        raise NotFound()
    label, label_fr = _clean_labels(label, label_fr)
    before = {"label": reason.label, "label_fr": reason.label_fr}
    if before == {"label": label, "label_fr": label_fr}:
        raise ValidationError(_l("Nothing was changed."))
    reason.label, reason.label_fr = label, label_fr
    session.flush()
    record(session, actor, "reason_code.changed", reason, before=before,
           after={"label": label, "label_fr": label_fr})
    return reason


def reason_texts(session: Session, code: str | None) -> dict[str, str]:
    """A reason's label in each language ({"en": ..., "fr": ...}; {} for no reason), for a
    message its reader sees in their own language."""
    reason = session.scalar(select(ReasonCode).where(ReasonCode.code == (code or "")))
    if reason is None:
        return {}
    return {"en": reason.label, "fr": reason.label_in("fr")}


def reason_labels(session: Session, language: str | None) -> dict[str, str]:
    """Every reason's label in ``language``, by code (retired ones included: past
    decisions still name them)."""
    return {r.code: r.label_in(language)
            for r in list_reason_codes(session, active_only=False)}


def set_reason_code_active(session: Session, *, actor: User, reason_id: int,
                           active: bool) -> ReasonCode:
    require_role(actor, *REVIEWERS)
    reason = session.get(ReasonCode, reason_id)
    if reason is None:
        raise NotFound()
    before = reason.active
    reason.active = active
    session.flush()
    record(session, actor, "reason_code.active_changed", reason,
           before={"active": before}, after={"active": active})
    return reason


def seed_reason_codes(session: Session) -> None:
    if session.scalar(select(ReasonCode.id).limit(1)) is not None:
        return
    for code, label in STARTER_REASONS:
        session.add(ReasonCode(code=code, label=label, label_fr=STARTER_REASONS_FR[code]))
    session.flush()


# --- service-level target ---------------------------------------------------------------------


def get_settings(session: Session) -> ReviewSettings:
    settings = session.get(ReviewSettings, 1)
    if settings is None:
        settings = ReviewSettings(id=1, sla_minutes=240, sla_business_hours=True)
        session.add(settings)
        session.flush()
    return settings


def update_settings(session: Session, *, actor: User, sla_minutes: int,
                    sla_business_hours: bool) -> ReviewSettings:
    require_role(actor, *REVIEWERS)
    if not 1 <= sla_minutes <= 60 * 24 * 30:
        raise ValidationError(_l("Enter a target between 1 minute and 30 days."),
                              field="sla_minutes")
    settings = get_settings(session)
    before = {"sla_minutes": settings.sla_minutes,
              "sla_business_hours": settings.sla_business_hours}
    settings.sla_minutes = sla_minutes
    settings.sla_business_hours = sla_business_hours
    settings.updated_by_id = actor.id
    settings.updated_at = utcnow()
    session.flush()
    record(session, actor, "review.sla_changed", settings, before=before,
           after={"sla_minutes": sla_minutes, "sla_business_hours": sla_business_hours})
    return settings
