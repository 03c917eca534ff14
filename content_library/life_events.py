"""Life-event templates (wedding, birth, new job...): the same lifecycle as library items.

Each template row is one version; editing an approved template adds the next row of the same
``lineage_id`` as a draft, and the approved one stays in use until the new one is approved.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.db import utcnow
from advisor_hub.errors import Conflict, NotFound, ValidationError
from advisor_hub.i18n import LANGUAGES
from advisor_hub.notifications.services import N_
from advisor_hub.roles import Role, require_role
from advisor_hub.text import sanitize
from content_library import review
from content_library.decisions import apply_decision, retire_lineage
from content_library.editors import note_template_editor, template_editors
from content_library.limits import NETWORKS, over_limit
from content_library.models import (
    EDITABLE,
    USABLE,
    LifeEventTemplate,
    LifeEventType,
    Status,
)
from content_library.rendering import (
    TEMPLATE_PLACEHOLDERS,
    check_placeholders,
    render_placeholders,
)
from content_library.use import advisor_values

CURATORS = (Role.MARKETING,)

# The built-in types (also inserted by the migration, so every database has them).
BUILTIN_TYPES = (
    ("wedding", "Wedding", "Mariage"),
    ("birth", "Birth", "Naissance"),
    ("new_job", "New job", "Nouvel emploi"),
    ("promotion", "Promotion", "Promotion"),
    ("retirement", "Retirement", "Départ à la retraite"),
    ("new_home", "New home", "Nouveau logement"),
    ("graduation", "Graduation", "Diplôme"),
    ("bereavement", "Bereavement", "Deuil"),
)


def list_event_types(session: Session) -> list[LifeEventType]:
    return list(session.scalars(select(LifeEventType)
                                .order_by(LifeEventType.builtin.desc(), LifeEventType.id)))


def add_event_type(session: Session, *, actor: User, label_en: str, label_fr: str
                   ) -> LifeEventType:
    """Marketing adds a life-event type (e.g. "Business anniversary")."""
    require_role(actor, *CURATORS)
    label_en = " ".join(sanitize(label_en, field="label_en").split())
    label_fr = " ".join(sanitize(label_fr, field="label_fr").split()) or label_en
    if not label_en:
        raise ValidationError(_l("A name is required."), field="label_en")
    if len(label_en) > 120 or len(label_fr) > 120:
        raise ValidationError(_l("The name is too long."), field="label_en")
    from content_library.search import normalise

    key = re.sub(r"[^a-z0-9]+", "_", normalise(label_en)).strip("_")[:60] or "event"
    if session.scalar(select(LifeEventType).where(LifeEventType.key == key)):
        raise ValidationError(_l("This life-event type already exists."), field="label_en")
    event_type = LifeEventType(key=key, label_en=label_en, label_fr=label_fr, builtin=False)
    session.add(event_type)
    session.flush()
    record(session, actor, "library.event_type_added", event_type,
           after={"key": key, "label_en": label_en, "label_fr": label_fr})
    return event_type


def clean_template_text(text: str) -> str:
    cleaned = sanitize(text, field="text")
    if not cleaned:
        raise ValidationError(_l("The message is empty."), field="text")
    try:
        check_placeholders(cleaned, TEMPLATE_PLACEHOLDERS)
    except ValidationError as error:
        raise ValidationError(error.message, field="text") from error
    # A life-event message must fit every network (the shortest limit, X, decides).
    if over := over_limit(list(NETWORKS), cleaned):
        network, count, limit = min(over, key=lambda o: o[2])
        raise ValidationError(_l("The message is too long: %(count)d characters, the limit "
                                 "is %(limit)d.", count=count, limit=limit), field="text")
    return cleaned


def _state(template: LifeEventTemplate) -> dict[str, Any]:
    return {"lineage_id": template.lineage_id, "number": template.number,
            "type": template.type.key, "language": template.language, "text": template.text,
            "status": template.status, "review_id": template.review_id}


def get_template(session: Session, template_id: int) -> LifeEventTemplate:
    template = session.get(LifeEventTemplate, template_id)
    if template is None:
        raise NotFound()
    return template


def create_template(session: Session, *, actor: User, type_id: int, language: str,
                    text: str) -> LifeEventTemplate:
    require_role(actor, *CURATORS)
    if session.get(LifeEventType, type_id) is None:
        raise ValidationError(_l("Choose a life-event type."), field="type_id")
    if language not in LANGUAGES:
        raise ValidationError(_l("Choose English or French."), field="language")
    template = LifeEventTemplate(type_id=type_id, language=language,
                                 text=clean_template_text(text), status=Status.DRAFT,
                                 created_by_id=actor.id, number=1)
    session.add(template)
    session.flush()
    template.lineage_id = template.id
    session.flush()
    note_template_editor(session, template, actor)
    record(session, actor, "library.template_created", template, after=_state(template))
    return template


def lineage(session: Session, lineage_id: int) -> list[LifeEventTemplate]:
    return list(session.scalars(select(LifeEventTemplate)
                                .where(LifeEventTemplate.lineage_id == lineage_id)
                                .order_by(LifeEventTemplate.number)))


def edit_template(session: Session, *, actor: User, template_id: int, text: str
                  ) -> LifeEventTemplate:
    """Change a draft in place, or start the next version of an approved template."""
    require_role(actor, *CURATORS)
    template = get_template(session, template_id)
    versions = lineage(session, template.lineage_id or template.id)
    latest = versions[-1]
    if latest.retired_at is not None or latest.status == Status.RETIRED:
        raise Conflict(_l("This template is retired; it can no longer be changed."))
    if latest.status == Status.IN_REVIEW:
        raise Conflict(_l("Version %(n)d is in review; wait for the decision before editing.",
                          n=latest.number))
    cleaned = clean_template_text(text)
    if latest.status in EDITABLE:
        before = _state(latest)
        latest.text = cleaned
        latest.updated_at = utcnow()
        session.flush()
        note_template_editor(session, latest, actor)
        record(session, actor, "library.template_updated", latest, before=before,
               after=_state(latest))
        return latest
    new = LifeEventTemplate(lineage_id=latest.lineage_id, number=latest.number + 1,
                            type_id=latest.type_id, language=latest.language, text=cleaned,
                            status=Status.DRAFT, created_by_id=actor.id)
    session.add(new)
    session.flush()
    note_template_editor(session, new, actor)
    record(session, actor, "library.template_version_created", new, after=_state(new))
    return new


def update_template_in_place(session: Session, *, actor: User, template_id: int,
                             text: str) -> LifeEventTemplate:
    """Refuses on anything but a draft (approved templates are immutable)."""
    require_role(actor, *CURATORS)
    template = get_template(session, template_id)
    if template.status not in EDITABLE:
        raise Conflict(_l("An approved template cannot be changed in place; editing it "
                          "creates a new version."))
    return edit_template(session, actor=actor, template_id=template_id, text=text)


def template_titles(session: Session, template_id: int) -> dict[str, str] | None:
    """A template's name in each language ("Graduation message (French)"), for what its
    author is told (the review keeps one plain title)."""
    template = session.get(LifeEventTemplate, template_id)
    if template is None:
        return None
    titles = {}
    message = _TEMPLATE_TITLES.get(template.language, _TEMPLATE_TITLES["en"])
    for reader in LANGUAGES:
        with force_locale(reader):
            titles[reader] = gettext(message, event=template.type.label(reader))
    return titles


# A template's name, by the language it is written in ("Graduation — French template").
_TEMPLATE_TITLES = {"en": N_("%(event)s — English template"),
                    "fr": N_("%(event)s — French template")}


def submit_template(session: Session, *, actor: User, template_id: int) -> LifeEventTemplate:
    require_role(actor, *CURATORS)
    template = get_template(session, template_id)
    if template.status not in EDITABLE:
        raise Conflict(_l("Only a draft can be sent for review."))
    before = {"status": template.status}
    template.review_id = review.submit(
        session, kind=review.TEMPLATE_KIND, subject_id=template.id, author=actor,
        text=template.text, link_url=None, media_sha256=None, media_url=None,
        title=(template_titles(session, template.id) or {}).get("en"),
        networks=list(NETWORKS),
        category="life_event",
    )
    template.status = Status.IN_REVIEW
    template.submitted_at = utcnow()
    session.flush()
    record(session, actor, "library.template_submitted", template, before=before,
           after={"status": template.status, "review_id": template.review_id})
    return template


def on_template_decision(session: Session, template_id: int, outcome: str,
                         decision: Any) -> None:
    """Approvals' decision on a template (registered for kind "life_event_template");
    ``outcome`` is a final ReviewStatus."""
    template = get_template(session, template_id)
    apply_decision(session, template, outcome=outcome, decision=decision,
                   editors=template_editors(session, template.id),
                   lineage=lineage(session, template.lineage_id or template.id),
                   action="library.template", not_in_review=_l("This template is not in review."))


def retire_template(session: Session, *, actor: User, template_id: int) -> LifeEventTemplate:
    require_role(actor, *CURATORS)
    template = get_template(session, template_id)
    retire_lineage(session, template, actor=actor,
                   versions=lineage(session, template.lineage_id or template.id),
                   action="library.template_retired",
                   already_retired=_l("This template is already retired."))
    return template


def list_templates(session: Session, *, actor: User) -> list[LifeEventTemplate]:
    """Marketing's list: the latest version of every template."""
    require_role(actor, *CURATORS, Role.ADMIN)
    rows = list(session.scalars(select(LifeEventTemplate)
                                .order_by(LifeEventTemplate.lineage_id,
                                          LifeEventTemplate.number)))
    latest: dict[int, LifeEventTemplate] = {}
    for row in rows:
        latest[row.lineage_id or row.id] = row
    return sorted(latest.values(), key=lambda t: (t.type_id, t.language, t.id))


def usage_by_lineage(session: Session, *, actor: User) -> dict[int, tuple[int, int]]:
    """Per template (lineage): how many publications, by how many advisors."""
    require_role(actor, *CURATORS, Role.ADMIN)
    from sqlalchemy import func

    from content_library.models import LibraryUsage

    rows = session.execute(
        select(LifeEventTemplate.lineage_id, func.count(LibraryUsage.id),
               func.count(func.distinct(LibraryUsage.advisor_id)))
        .join(LibraryUsage, LibraryUsage.template_id == LifeEventTemplate.id)
        .group_by(LifeEventTemplate.lineage_id))
    return {lineage_id: (uses, advisors) for lineage_id, uses, advisors in rows
            if lineage_id is not None}  # set when a template is created


def templates_for_event(session: Session, *, advisor: User, type_id: int, language: str
                        ) -> list[LifeEventTemplate]:
    """Approved templates an advisor may use for one event type and language."""
    require_role(advisor, Role.ADVISOR)
    return list(session.scalars(
        select(LifeEventTemplate)
        .where(LifeEventTemplate.type_id == type_id, LifeEventTemplate.language == language,
               LifeEventTemplate.status == Status.APPROVED,
               LifeEventTemplate.retired_at.is_(None))
        .order_by(LifeEventTemplate.approved_at.desc(), LifeEventTemplate.id.desc())))


def get_template_for_use(session: Session, *, template_id: int, advisor: User
                         ) -> LifeEventTemplate:
    """An approved (or superseded, still valid) template; NotFound if retired or unapproved."""
    require_role(advisor, Role.ADVISOR)
    template = session.get(LifeEventTemplate, template_id)
    if template is None or template.status not in USABLE or template.retired_at is not None:
        raise NotFound(_l("This life-event template is not available."))
    return template


def is_template_publishable(session: Session, *, template_id: int, now: datetime
                            ) -> tuple[bool, str | None]:
    template = session.get(LifeEventTemplate, template_id)
    if template is None or template.retired_at is not None:
        return False, str(_l("The life-event template was retired."))
    if template.status not in USABLE:
        return False, str(_l("The life-event template is not approved."))
    return True, None


def render_life_event(template: LifeEventTemplate, advisor: User, client_first_name: str
                      ) -> str:
    """The message for one client; RenderError if a value is missing or is not a plain name
    (never a raw placeholder, never text of its own: see ``rendering.clean_value``)."""
    values = advisor_values(advisor)
    values["client_first_name"] = client_first_name
    return render_placeholders(template.text, values, TEMPLATE_PLACEHOLDERS)
