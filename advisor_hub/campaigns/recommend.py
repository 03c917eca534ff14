""""Suggested for you": library posts ranked for one advisor by a deterministic score.

The score of a post is the sum of these contributions (``WEIGHTS``):

========================  ======  ==========================================================
signal                    points  when
========================  ======  ==========================================================
``branch``                +3      written for the advisor's branch (not for every branch)
``language``              +1/-3   in the advisor's language / in another one
``new_week``              +2      approved in the last 7 days
``new_month``             +1      approved in the last 30 days (not the last 7)
``colleagues``            +0.5    per colleague of the same branch who published it in the
                                  last 30 days, at most 6 colleagues (+3): what performed
                                  around them
``not_posted``            +2      the advisor has not posted it (nor scheduled it)
``posted``                -4      the advisor posted or scheduled it already
``ending``                +1.5    it stops being available within 7 days
``life_event``            +2.5    one of its tags is the kind of a life event the advisor
                                  has pending ("wedding"...)
========================  ======  ==========================================================

A client's life event the advisor recorded ("My clients' events", ``client_events``) and no
message was composed for yet is a suggestion of its own, within
``CAMPAIGN_LIFE_EVENT_DAYS`` (default 14) of its date, when an approved template of its kind
exists in the advisor's language ("Bob's wedding on 14 Jan: send a congratulation"):

========================  ======  ==========================================================
``event``                 +8      a pending client event within the window
``event_soon``            +0.25   per day between the event and the end of the window (an
                                  event today with a 14-day window: +3.5)
========================  ======  ==========================================================

So an event outranks a library post with the usual signals (language, new, not posted:
about +5) and one due soon outranks one far off; a library post with every signal at once
(about +15) still comes first.

Ties go to the newest approval, then the highest version id. The one-line explanation is the
signal that gave the most points ("new this week", "used by 6 colleagues in Lyon"), the
generic "you have not posted it yet" / "in your language" only when no other signal counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import format_date, get_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import content_library.services as library
from advisor_hub.accounts.models import User
from advisor_hub.accounts.reporting import users_of_branch
from advisor_hub.campaigns import client_events
from advisor_hub.db import utcnow
from advisor_hub.notifications.services import N_
from advisor_hub.publishing.reporting import library_versions_in_use
from content_library.reporting import library_publications, version_items

WEIGHTS: dict[str, float] = {
    "branch": 3.0, "language": 1.0, "other_language": -3.0, "new_week": 2.0,
    "new_month": 1.0, "colleague": 0.5, "not_posted": 2.0, "posted": -4.0, "ending": 1.5,
    "life_event": 2.5, "event": 8.0, "event_soon": 0.25,
}
COLLEAGUES_CAP = 6
CANDIDATES = 100
WINDOW = timedelta(days=30)

_GENERIC = ("not_posted", "language")
_REASONS = {
    "branch": N_("written for your branch"),
    "language": N_("in your language"),
    "new_week": N_("new this week"),
    "new_month": N_("new this month"),
    "colleague": N_("used by %(n)d colleagues in %(city)s"),
    "not_posted": N_("you have not posted it yet"),
    "ending": N_("available until %(date)s"),
    "life_event": N_("for a life event you have pending"),
}


@dataclass(frozen=True)
class Candidate:
    """What the score reads about one library post, for one advisor."""

    version_id: int
    title: str
    language: str
    for_branch: bool                  # targeted at the advisor's branch explicitly
    approved_at: datetime | None
    expires_at: datetime | None
    tags: tuple[str, ...] = ()
    colleagues: int = 0               # of the same branch, in the last 30 days
    posted: bool = False              # by this advisor (published or scheduled)


@dataclass(frozen=True)
class Suggestion:
    version_id: int | None            # a library post (None: a client's event)
    title: str
    score: float
    reason: str                       # an N_ message id
    params: dict[str, Any] = field(default_factory=dict)
    # A client's event: the approved template to compose with, and the client's first name
    # (sent to the composer by POST, never in a URL).
    template_id: int | None = None
    client_first_name: str | None = None
    event_id: int | None = None
    event_labels: tuple[str, str] = ("", "")   # the kind, in English and in French
    event_date: date | None = None

    @property
    def explanation(self) -> str:
        """The reason in the current language."""
        if self.event_id is not None:
            english = str(get_locale() or "en").startswith("en")
            kind = self.event_labels[0].lower() if english else self.event_labels[1]
            return gettext(self.reason, name=self.client_first_name, event=kind,
                           date=format_date(self.event_date, "d MMM"))
        return gettext(self.reason, **self.params)


def score(candidate: Candidate, *, language: str, city: str, now: datetime,
          life_events: Iterable[str] = ()) -> Suggestion:
    """The candidate's score and its main reason (pure: the same input, the same output)."""
    parts: list[tuple[str, float, dict[str, Any]]] = []
    if candidate.for_branch:
        parts.append(("branch", WEIGHTS["branch"], {}))
    if candidate.language == language:
        parts.append(("language", WEIGHTS["language"], {}))
    else:
        parts.append(("other_language", WEIGHTS["other_language"], {}))
    if candidate.approved_at is not None:
        age = now - candidate.approved_at
        if age <= timedelta(days=7):
            parts.append(("new_week", WEIGHTS["new_week"], {}))
        elif age <= timedelta(days=30):
            parts.append(("new_month", WEIGHTS["new_month"], {}))
    if candidate.colleagues:
        n = min(candidate.colleagues, COLLEAGUES_CAP)
        parts.append(("colleague", WEIGHTS["colleague"] * n,
                      {"n": candidate.colleagues, "city": city}))
    parts.append(("posted", WEIGHTS["posted"], {}) if candidate.posted
                 else ("not_posted", WEIGHTS["not_posted"], {}))
    if candidate.expires_at is not None and now < candidate.expires_at <= now + timedelta(days=7):
        parts.append(("ending", WEIGHTS["ending"],
                      {"date": candidate.expires_at.astimezone(UTC).date().isoformat()}))
    if set(candidate.tags) & set(life_events):
        parts.append(("life_event", WEIGHTS["life_event"], {}))
    total = round(sum(points for _code, points, _params in parts), 4)
    # The explanation: the largest distinctive contribution (first listed on a tie); the
    # generic ones ("not posted yet", "in your language") only when there is none.
    explained = [p for p in parts if p[0] in _REASONS and p[0] not in _GENERIC] or \
        [p for p in parts if p[0] in _GENERIC]
    code, _points, params = max(explained, key=lambda p: p[1],
                                default=("not_posted", 0.0, {}))
    return Suggestion(candidate.version_id, candidate.title, total, _REASONS[code], params)


def rank(candidates: Iterable[Candidate], *, language: str, city: str, now: datetime,
         life_events: Iterable[str] = (), limit: int = 3) -> list[Suggestion]:
    """The ``limit`` best suggestions, best first (ties: newest approval, highest id)."""
    events = tuple(life_events)
    scored = [(score(c, language=language, city=city, now=now, life_events=events), c)
              for c in candidates]
    scored.sort(key=lambda sc: (-sc[0].score,
                                -(sc[1].approved_at or datetime.min.replace(tzinfo=UTC))
                                .timestamp(), -sc[1].version_id))
    return [s for s, _c in scored[:limit]]


def pending_life_events(session: Session, advisor: User) -> set[str]:
    """The kinds of the life events the advisor has pending (tags such as "wedding"): the
    clients' events recorded on "My clients' events" (``client_events``)."""
    return client_events.pending_kinds(session, advisor)


LIFE_EVENTS: Callable[[Session, User], set[str]] = pending_life_events


_EVENT_REASONS = {
    "bereavement": N_("%(name)s's %(event)s on %(date)s: send your condolences"),
}
_EVENT_REASON = N_("%(name)s's %(event)s on %(date)s: send a congratulation")


def score_event(days_until: int, *, window: int) -> float:
    """A pending client event's score: ``event`` plus ``event_soon`` per day between it and
    the end of the window (pure)."""
    return round(WEIGHTS["event"] + WEIGHTS["event_soon"] * max(0, window - days_until), 4)


def event_suggestions(session: Session, advisor: User, *, now: datetime) -> list[Suggestion]:
    """The advisor's pending client events that an approved template can answer."""
    today = client_events.today_for(advisor, now)
    window = client_events.window_days()
    found = []
    for message in client_events.pending_messages(session, advisor, now=now):
        if message.template_id is None:
            continue
        event, kind = message.event, message.kind
        found.append(Suggestion(
            None, f"{event.client_first_name} · {kind.label(advisor.language)}",
            score_event((event.event_date - today).days, window=window),
            _EVENT_REASONS.get(kind.key, _EVENT_REASON), template_id=message.template_id,
            client_first_name=event.client_first_name, event_id=event.id,
            event_labels=(kind.label_en, kind.label_fr), event_date=event.event_date))
    return found


def candidates_for(session: Session, advisor: User, *, now: datetime,
                   language: str = "") -> list[Candidate]:
    """The library posts the advisor may publish now (the newest ``CANDIDATES``; in
    ``language`` only when given), with what the score reads about each: four queries
    whatever their number."""
    page = library.search_library(session, advisor=advisor, per_page=CANDIDATES, now=now,
                                  language=language)
    versions = page.items
    if not versions:
        return []
    item_of = {v.id: v.item_id for v in versions}
    colleagues: dict[int, int] = {}
    if advisor.branch_id is not None:
        used = library_publications(now - WINDOW, now + timedelta(seconds=1)).subquery()
        colleagues = dict(session.execute(
            select(used.c.item_id, func.count(func.distinct(used.c.advisor_id)))
            .where(used.c.advisor_id.in_(users_of_branch(advisor.branch_id)),
                   used.c.advisor_id != advisor.id)
            .group_by(used.c.item_id)).all())
    in_use = [v for v in session.scalars(library_versions_in_use(advisor.id)) if v]
    posted_items = set(dict(session.execute(version_items(in_use)).all()).values()) \
        if in_use else set()
    return [Candidate(
        version_id=v.id, title=v.title, language=v.language,
        for_branch=not v.audience_all and advisor.branch_id in {b.id for b in v.branches},
        approved_at=v.approved_at, expires_at=v.expires_at, tags=tuple(v.tags),
        colleagues=colleagues.get(item_of[v.id], 0),
        posted=item_of[v.id] in posted_items) for v in versions]


def suggestions_for(session: Session, advisor: User, *, now: datetime | None = None,
                    limit: int = 3, with_events: bool = False,
                    language: str = "") -> list[Suggestion]:
    """"Suggested for you": the best ``limit`` library posts for this advisor now (only in
    ``language`` when given: the library page's language filter); with ``with_events``, the
    advisor's pending client events compete with them (the digest's one-click links schedule
    library posts only, so it asks without)."""
    now = now or utcnow()
    branch = advisor.branch
    posts = rank(candidates_for(session, advisor, now=now, language=language),
                 language=advisor.language,
                 city=(branch.city or branch.name) if branch else "", now=now,
                 life_events=LIFE_EVENTS(session, advisor), limit=limit)
    if not with_events:
        return posts
    events = sorted(event_suggestions(session, advisor, now=now), key=lambda s: -s.score)
    # Client events leave at least one slot to a library post when there is one (the card is
    # the library's too); the rest by score, a tie keeping the events (soonest first) first.
    if posts and limit > 1:
        events = events[:limit - 1]
    return sorted(events + posts, key=lambda s: -s.score)[:limit]
