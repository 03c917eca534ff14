"""Clients' upcoming life events, recorded by their advisor on "My clients' events": the
source of the life events an advisor has pending, for the suggestions.

An event is pending from the day it is recorded until its date has passed or a message for
it was composed: the composer sends ``publishing.post_composed`` and the first pending event
of that client (same first name, without case) and that template's type is then marked
composed. Every change is audited.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.campaigns.models import ClientEvent
from advisor_hub.campaigns.settings import setting
from advisor_hub.db import utcnow
from advisor_hub.errors import NotFound, ValidationError
from advisor_hub.pagination import Page, paginate
from advisor_hub.roles import Role, require_role
from content_library import life_events as library_events
from content_library.models import LifeEventType
from content_library.rendering import clean_value

MAX_AHEAD = timedelta(days=366)


def window_days(config: Any = None) -> int:
    """CAMPAIGN_LIFE_EVENT_DAYS: an event feeds the suggestions this many days ahead."""
    return max(1, int(setting("CAMPAIGN_LIFE_EVENT_DAYS", config)))


def today_for(advisor: User, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(advisor.time_zone)).date()


def event_kinds(session: Session) -> list[LifeEventType]:
    """The kinds an event may be: the life-event templates' types."""
    return library_events.list_event_types(session)


def _same_name(a: str, b: str) -> bool:
    return unicodedata.normalize("NFC", a).casefold() == unicodedata.normalize("NFC",
                                                                               b).casefold()


def _state(event: ClientEvent) -> dict[str, Any]:
    return {"client_first_name": event.client_first_name, "event_type_id": event.event_type_id,
            "event_date": event.event_date, "composed_at": event.composed_at,
            "post_id": event.post_id}


def add_event(session: Session, *, advisor: User, client_first_name: str, event_type_id: int,
              event_date: date | None, now: datetime | None = None) -> ClientEvent:
    """Record a client's upcoming event. The first name meets the personalisation rule of
    every value put into a message (``rendering.clean_value``: a plain name, issue 11 point
    1); the kind is a life-event type; the date is today or later, within a year."""
    require_role(advisor, Role.ADVISOR)
    name = clean_value("client_first_name", client_first_name)  # RenderError: a field error
    if session.get(LifeEventType, event_type_id) is None:
        raise ValidationError(_l("Choose the kind of event."), field="event_type_id")
    today = today_for(advisor, now)
    if event_date is None:
        raise ValidationError(_l("Give the date of the event."), field="event_date")
    if event_date < today:
        raise ValidationError(_l("The date has passed: record an upcoming event."),
                              field="event_date")
    if event_date > today + MAX_AHEAD:
        raise ValidationError(_l("Record events of the coming year only."),
                              field="event_date")
    event = ClientEvent(advisor_id=advisor.id, client_first_name=name,
                        event_type_id=event_type_id, event_date=event_date)
    session.add(event)
    session.flush()
    record(session, advisor, "client_event.added", event, after=_state(event))
    return event


def own_event(session: Session, advisor: User, event_id: int) -> ClientEvent:
    """The advisor's own event; NotFound for anybody else's (a guessed id gives nothing)."""
    event = session.get(ClientEvent, event_id)
    if event is None or event.advisor_id != advisor.id:
        raise NotFound(_l("This event does not exist."))
    return event


def delete_event(session: Session, *, advisor: User, event_id: int) -> ClientEvent:
    require_role(advisor, Role.ADVISOR)
    event = own_event(session, advisor, event_id)
    record(session, advisor, "client_event.deleted", event, before=_state(event))
    session.delete(event)
    session.flush()
    return event


def list_events(session: Session, *, advisor: User, page: int = 1, per_page: int = 20
                ) -> Page[ClientEvent]:
    """The advisor's events, the soonest first (past ones last)."""
    require_role(advisor, Role.ADVISOR)
    return paginate(session, select(ClientEvent).where(ClientEvent.advisor_id == advisor.id)
                    .order_by(ClientEvent.event_date, ClientEvent.id),
                    page=page, per_page=per_page)


def pending_events(session: Session, advisor: User, *, now: datetime | None = None,
                   days: int | None = None) -> list[ClientEvent]:
    """The events no message was composed for, from today to ``days`` ahead (default:
    CAMPAIGN_LIFE_EVENT_DAYS), the soonest first."""
    today = today_for(advisor, now)
    last = today + timedelta(days=window_days() if days is None else days)
    return list(session.scalars(select(ClientEvent).where(
        ClientEvent.advisor_id == advisor.id, ClientEvent.composed_at.is_(None),
        ClientEvent.event_date >= today, ClientEvent.event_date <= last)
        .order_by(ClientEvent.event_date, ClientEvent.id)))


def pending_kinds(session: Session, advisor: User) -> set[str]:
    """The keys of the kinds of the advisor's pending events ("wedding"...): library posts
    tagged with one of them score higher (``recommend.LIFE_EVENTS``)."""
    events = pending_events(session, advisor)
    if not events:
        return set()
    ids = {e.event_type_id for e in events}
    return {t.key for t in event_kinds(session) if t.id in ids}


@dataclass(frozen=True)
class EventMessage:
    """A pending event with the approved template to write its message with (None: no
    approved template for this kind in the advisor's language yet)."""

    event: ClientEvent
    kind: LifeEventType
    template_id: int | None


def pending_messages(session: Session, advisor: User, *, now: datetime | None = None
                     ) -> list[EventMessage]:
    kinds = {t.id: t for t in event_kinds(session)}
    found = []
    for event in pending_events(session, advisor, now=now):
        kind = kinds.get(event.event_type_id)
        if kind is None:
            continue
        templates = library_events.templates_for_event(
            session, advisor=advisor, type_id=kind.id, language=advisor.language)
        found.append(EventMessage(event, kind, templates[0].id if templates else None))
    return found


def on_post_composed(session: Session, *, post: Any, client_first_name: str | None = None,
                     **_: Any) -> None:
    """Handler of ``publishing.post_composed``: a message from a life-event template for a
    client ends that client's first pending event of the template's kind."""
    if not getattr(post, "template_id", None) or not client_first_name:
        return
    try:
        template = library_events.get_template(session, post.template_id)
    except NotFound:
        return
    candidates = session.scalars(select(ClientEvent).where(
        ClientEvent.advisor_id == post.author_id, ClientEvent.composed_at.is_(None),
        ClientEvent.event_type_id == template.type_id)
        .order_by(ClientEvent.event_date, ClientEvent.id))
    try:
        name = clean_value("client_first_name", client_first_name)
    except ValidationError:
        return
    event = next((e for e in candidates if _same_name(e.client_first_name, name)), None)
    if event is None:
        return
    before = _state(event)
    event.composed_at, event.post_id = utcnow(), post.id
    session.flush()
    record(session, session.get(User, post.author_id), "client_event.composed", event,
           before=before, after=_state(event), flush=False)
