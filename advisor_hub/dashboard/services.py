"""The adoption dashboard: every figure is one GROUP BY in SQL over a period and a scope.

Branch managers see their own branch only; marketing, compliance and admin see every branch
(or one they choose). Percentiles: PostgreSQL computes them with ``percentile_cont``; SQLite
has no percentile function, so a window query (ROW_NUMBER/COUNT per queue kind) returns only
the two rows around each percentile's position and Python interpolates between those two
values, which gives the same answer as ``percentile_cont``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, cast, extract, func, literal, or_, select
from sqlalchemy.orm import Session

from advisor_hub.accounts import reporting as accounts
from advisor_hub.accounts.models import User
from advisor_hub.dates import EARLIEST, day_after, day_start
from advisor_hub.db import utcnow
from advisor_hub.errors import PermissionDenied
from advisor_hub.publishing import reporting as publishing
from advisor_hub.publishing.models import PostState
from advisor_hub.roles import Role, require_role
from approvals import reporting as approvals
from content_library import reporting as library
from content_library.services import search_library

DASHBOARD_ROLES = (Role.BRANCH_MANAGER, Role.MARKETING, Role.COMPLIANCE, Role.ADMIN)
ALL_BRANCH_ROLES = (Role.MARKETING, Role.COMPLIANCE, Role.ADMIN)
SOURCES = publishing.POST_SOURCES
NUDGE_DAYS = 30
TOP_ITEMS = 10


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, from whole days in the viewer's time zone (both inclusive)."""

    first_day: date
    last_day: date
    time_zone: str = "UTC"

    @property
    def start(self) -> datetime:
        return day_start(self.first_day, self.time_zone)

    @property
    def end(self) -> datetime:
        return day_after(self.last_day, self.time_zone)

    @classmethod
    def last_days(cls, days: int, *, today: date, time_zone: str = "UTC") -> Period:
        return cls(today - timedelta(days=days - 1), today, time_zone)


@dataclass(frozen=True)
class Scope:
    branch_id: int | None  # None: every branch
    can_choose: bool


def dashboard_scope(actor: User, branch_id: int | None = None) -> Scope:
    """Which branches the actor may see: their own (branch manager) or any (the others)."""
    require_role(actor, *DASHBOARD_ROLES)
    if actor.has_any_role(ALL_BRANCH_ROLES):
        return Scope(branch_id, True)
    if actor.branch_id is None or branch_id not in (None, actor.branch_id):
        raise PermissionDenied()
    return Scope(actor.branch_id, False)


# --- figures: each composes the owning packages' reporting queries into one GROUP BY -------

@dataclass(frozen=True)
class AdoptionRow:
    branch_id: int | None
    branch: str | None
    advisors: int
    linked: int
    active: int

    @property
    def active_rate(self) -> float:
        return self.active / self.advisors if self.advisors else 0.0


def adoption(session: Session, scope: Scope, period: Period) -> list[AdoptionRow]:
    """Per branch, then overall (branch None, label None): all advisors, those with a linked
    account, those who published at least once in the period."""
    a = accounts.active_advisors(scope.branch_id).subquery()
    linked = publishing.users_with_active_account().subquery()
    active = publishing.last_publication_by_author(period.start, period.end).subquery()
    branches = accounts.branch_names().subquery()
    query = (select(a.c.branch_id, branches.c.name, func.count().label("advisors"),
                    func.count(linked.c.user_id), func.count(active.c.author_id))
             .select_from(a)
             .outerjoin(linked, linked.c.user_id == a.c.id)
             .outerjoin(active, active.c.author_id == a.c.id)
             .outerjoin(branches, branches.c.id == a.c.branch_id)
             .group_by(a.c.branch_id, branches.c.name).order_by(branches.c.name))
    rows = [AdoptionRow(r[0], r[1] or "—", int(r[2]), int(r[3]), int(r[4]))
            for r in session.execute(query)]
    total = AdoptionRow(None, None, sum(r.advisors for r in rows),
                        sum(r.linked for r in rows), sum(r.active for r in rows))
    return [*rows, total]


@dataclass(frozen=True)
class SourceRow:
    branch: str | None
    source: str
    posts: int
    published: int


def posts_by_source(session: Session, scope: Scope, period: Period) -> list[SourceRow]:
    """Posts composed in the period (drafts left aside) per branch and source, then overall."""
    posts = publishing.composed_posts(period.start, period.end, scope.branch_id).subquery()
    branches = accounts.branch_names().subquery()
    query = (select(branches.c.name, posts.c.source, func.count(), func.sum(posts.c.published))
             .select_from(posts).outerjoin(branches, branches.c.id == posts.c.branch_id)
             .group_by(branches.c.name, posts.c.source)
             .order_by(branches.c.name, posts.c.source))
    rows = [SourceRow(r[0] or "—", r[1], int(r[2]), int(r[3] or 0))
            for r in session.execute(query)]
    totals: dict[str, list[int]] = {s: [0, 0] for s in SOURCES}
    for row in rows:
        totals.setdefault(row.source, [0, 0])
        totals[row.source][0] += row.posts
        totals[row.source][1] += row.published
    return rows + [SourceRow(None, s, n, p) for s, (n, p) in totals.items()]


@dataclass(frozen=True)
class ItemRow:
    item_id: int
    title: str
    uses: int
    advisors: int


def top_library_items(session: Session, scope: Scope, period: Period,
                      limit: int = TOP_ITEMS) -> list[ItemRow]:
    """Library items by publications in the period (all versions of an item together)."""
    uses = library.library_publications(period.start, period.end).subquery()
    query = (select(uses.c.item_id, func.count().label("uses"),
                    func.count(uses.c.advisor_id.distinct()), func.max(uses.c.version_id))
             .select_from(uses))
    if scope.branch_id is not None:
        members = accounts.users_of_branch(scope.branch_id).subquery()
        query = query.join(members, members.c.id == uses.c.advisor_id)
    query = (query.group_by(uses.c.item_id)
             .order_by(func.count().desc(), uses.c.item_id).limit(limit))
    found = session.execute(query).all()
    titles: dict[int, str] = dict(session.execute(
        library.version_titles(r[3] for r in found)).all()) if found else {}
    return [ItemRow(r[0], titles.get(r[3], "—"), int(r[1]), int(r[2])) for r in found]


@dataclass(frozen=True)
class TurnaroundRow:
    kind: str
    decided: int
    median_hours: float | None
    p90_hours: float | None


def _duration_seconds(session: Session, start: Any, end: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def approval_turnaround(session: Session, scope: Scope, period: Period) -> list[TurnaroundRow]:
    """Median and 90th percentile from submission to decision, per queue kind, for reviews
    decided by a person in the period (approvals made by the system at once are left out)."""
    decided = approvals.decided_by_person(period.start, period.end, scope.branch_id).subquery()
    duration = _duration_seconds(session, decided.c.submitted_at, decided.c.decided_at)
    kind = decided.c.kind
    if session.get_bind().dialect.name == "postgresql":
        query = (select(kind, func.count(),
                        func.percentile_cont(0.5).within_group(duration),
                        func.percentile_cont(0.9).within_group(duration))
                 .group_by(kind).order_by(kind))
        return [TurnaroundRow(r[0], int(r[1]), _hours(r[2]), _hours(r[3]))
                for r in session.execute(query)]
    ranked = select(
        kind.label("kind"), cast(duration, Float).label("seconds"),
        (func.row_number().over(partition_by=kind, order_by=duration) - 1).label("i"),
        func.count().over(partition_by=kind).label("n"),
    ).subquery()

    def around(p: float) -> Any:
        low = cast((ranked.c.n - 1) * p, Integer)
        return or_(ranked.c.i == low, ranked.c.i == low + 1)

    rows = session.execute(
        select(ranked.c.kind, ranked.c.n, ranked.c.i, ranked.c.seconds)
        .where(or_(around(0.5), around(0.9))).order_by(ranked.c.kind, ranked.c.i)
    ).all()
    by_kind: dict[str, tuple[int, dict[int, float]]] = {}
    for k, n, i, seconds in rows:
        by_kind.setdefault(k, (int(n), {}))[1][int(i)] = float(seconds)
    return [TurnaroundRow(k, n, _hours(_interpolate(values, n, 0.5)),
                          _hours(_interpolate(values, n, 0.9)))
            for k, (n, values) in sorted(by_kind.items())]


def _interpolate(values: dict[int, float], n: int, p: float) -> float | None:
    """percentile_cont from the two sorted values around position p·(n−1)."""
    if not n:
        return None
    position = p * (n - 1)
    low = math.floor(position)
    lower = values[low]
    upper = values.get(low + 1, lower)
    return lower + (upper - lower) * (position - low)


def _hours(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600.0, 2)


@dataclass(frozen=True)
class CountRow:
    label: str
    detail: str | None
    count: int


def rejection_reasons(session: Session, scope: Scope, period: Period) -> list[CountRow]:
    rejected = approvals.rejected(period.start, period.end, scope.branch_id).subquery()
    reason = func.coalesce(rejected.c.reason_code, literal("—"))
    query = (select(reason, rejected.c.kind, func.count())
             .group_by(reason, rejected.c.kind)
             .order_by(func.count().desc(), reason))
    return [CountRow(r[0], r[1], int(r[2])) for r in session.execute(query)]


def publishing_failures(session: Session, scope: Scope, period: Period) -> list[CountRow]:
    """Outbox rows that failed or were cancelled by the publish-time check, by network and
    failure class, dated by when they were due (else created)."""
    failed = publishing.failed_targets(period.start, period.end, scope.branch_id).subquery()
    query = (select(failed.c.network, failed.c.failure_class, func.count())
             .group_by(failed.c.network, failed.c.failure_class)
             .order_by(func.count().desc(), failed.c.network))
    return [CountRow(r[0], r[1], int(r[2])) for r in session.execute(query)]


class Nudge(enum.StrEnum):
    """What an advisor should do next, first thing first."""

    LINK = "link"  # no active linked account: nothing can be published
    PUBLISH = "publish"  # linked, but nothing published for NUDGE_DAYS days (or ever)


@dataclass(frozen=True)
class AdvisorRow:
    """One active advisor of the scope: their accounts, last post, and the nudge they need."""

    advisor_id: int
    name: str
    email: str
    branch_id: int | None
    branch: str | None
    last_published_at: datetime | None
    suggestions: list[str] = field(default_factory=list)
    linked: bool = True
    last_post_id: int | None = None
    last_post_state: PostState | None = None
    last_post_at: datetime | None = None
    nudge: Nudge | None = None


NudgeRow = AdvisorRow  # the advisors to nudge are the rows with a nudge


def advisors(session: Session, scope: Scope, *, now: datetime | None = None,
             days: int = NUDGE_DAYS, suggestions: int = 3) -> list[AdvisorRow]:
    """Every active advisor of the scope, linked or not, with their newest post and its
    state: first those to nudge (no linked account first, then never published, then
    longest silent), then the others by name. Those silent for ``days`` days get the newest
    library items offered to them."""
    now = now or utcnow()
    a = accounts.active_advisors(scope.branch_id).subquery()
    linked = publishing.users_with_active_account().subquery()
    # Every author's latest publication in one grouped pass. (A correlated MAX per advisor
    # looks cheaper but lets SQLite's planner walk all published rows once per advisor.)
    last = publishing.last_publication_by_author().subquery()
    post = publishing.last_post_by_author().subquery()
    branches = accounts.branch_names().subquery()
    query = (select(a.c.id, a.c.first_name, a.c.last_name, a.c.email, a.c.branch_id,
                    branches.c.name, last.c.last, linked.c.user_id, post.c.post_id,
                    post.c.state, post.c.created_at)
             .select_from(a)
             .outerjoin(linked, linked.c.user_id == a.c.id)
             .outerjoin(last, last.c.author_id == a.c.id)
             .outerjoin(post, post.c.author_id == a.c.id)
             .outerjoin(branches, branches.c.id == a.c.branch_id))
    silent_since = now - timedelta(days=days)
    rows = []
    for r in session.execute(query):
        published = _aware(r[6])
        if r[7] is None:
            nudge: Nudge | None = Nudge.LINK
        elif published is None or published < silent_since:
            nudge = Nudge.PUBLISH
        else:
            nudge = None
        rows.append(AdvisorRow(
            r[0], f"{r[1]} {r[2]}", r[3], r[4], r[5], published, [], linked=r[7] is not None,
            last_post_id=r[8], last_post_state=PostState(r[9]) if r[9] else None,
            last_post_at=_aware(r[10]), nudge=nudge))
    rows.sort(key=_nudge_order)
    offered = _newest_items_by_branch(
        session, [r for r in rows if r.nudge is Nudge.PUBLISH], suggestions, now)
    return [replace(r, suggestions=offered.get(r.advisor_id, []))
            if r.nudge is Nudge.PUBLISH else r for r in rows]


_NUDGE_RANK = {Nudge.LINK: 0, Nudge.PUBLISH: 1, None: 2}


def _nudge_order(row: AdvisorRow) -> tuple[Any, ...]:
    silent = row.last_published_at if row.nudge is Nudge.PUBLISH else None
    return (_NUDGE_RANK[row.nudge], silent is not None, silent or EARLIEST,
            row.name.split(" ", 1)[-1], row.name)


def nudges(session: Session, scope: Scope, *, now: datetime | None = None,
           days: int = NUDGE_DAYS, suggestions: int = 3) -> list[AdvisorRow]:
    """The advisors who need a nudge: no linked account (the first nudge is "link an
    account"), or nothing published for ``days`` days (with the newest library items
    offered to them); in the order of :func:`advisors`."""
    return [r for r in advisors(session, scope, now=now, days=days, suggestions=suggestions)
            if r.nudge is not None]


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # an aggregate read past the column type on SQLite
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _newest_items_by_branch(session: Session, rows: Sequence[AdvisorRow], limit: int,
                            now: datetime) -> dict[int, list[str]]:
    """Ask the library, once per branch and language, what it offers an advisor of that
    branch now in their own language (as their library page lists it); by advisor id."""
    by_audience: dict[tuple[int | None, str], list[str]] = {}
    offered: dict[int, list[str]] = {}
    for row in rows:
        advisor = session.get(User, row.advisor_id)
        if advisor is None:
            continue
        audience = (row.branch_id, advisor.language)
        if audience not in by_audience:
            page = search_library(session, advisor=advisor, per_page=limit, now=now,
                                  language=advisor.language)
            by_audience[audience] = [v.title for v in page.items]
        offered[row.advisor_id] = by_audience[audience]
    return offered


# --- the whole page, and one table at a time (CSV) --------------------------------------------

@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    period: Period
    adoption: list[AdoptionRow]
    sources: list[SourceRow]
    items: list[ItemRow]
    turnaround: list[TurnaroundRow]
    rejections: list[CountRow]
    failures: list[CountRow]
    advisors: list[AdvisorRow]

    @property
    def nudges(self) -> list[AdvisorRow]:
        return [r for r in self.advisors if r.nudge is not None]


def build_dashboard(session: Session, *, actor: User, period: Period,
                    branch_id: int | None = None, now: datetime | None = None) -> Dashboard:
    scope = dashboard_scope(actor, branch_id)
    return Dashboard(
        scope=scope, period=period,
        adoption=adoption(session, scope, period),
        sources=posts_by_source(session, scope, period),
        items=top_library_items(session, scope, period),
        turnaround=approval_turnaround(session, scope, period),
        rejections=rejection_reasons(session, scope, period),
        failures=publishing_failures(session, scope, period),
        advisors=advisors(session, scope, now=now),
    )


Table = tuple[list[str], list[list[Any]]]


def _adoption_table(session: Session, scope: Scope, period: Period) -> Table:
    return (["branch", "advisors", "with_linked_account", "active"],
            [[r.branch or "ALL", r.advisors, r.linked, r.active]
             for r in adoption(session, scope, period)])


def _sources_table(session: Session, scope: Scope, period: Period) -> Table:
    return (["branch", "source", "posts", "published"],
            [[r.branch or "ALL", r.source, r.posts, r.published]
             for r in posts_by_source(session, scope, period)])


def _items_table(session: Session, scope: Scope, period: Period) -> Table:
    return (["item_id", "title", "publications", "advisors"],
            [[r.item_id, r.title, r.uses, r.advisors]
             for r in top_library_items(session, scope, period)])


def _turnaround_table(session: Session, scope: Scope, period: Period) -> Table:
    return (["queue_kind", "decided", "median_hours", "p90_hours"],
            [[r.kind, r.decided, r.median_hours, r.p90_hours]
             for r in approval_turnaround(session, scope, period)])


def _rejections_table(session: Session, scope: Scope, period: Period) -> Table:
    return (["reason_code", "queue_kind", "rejections"],
            [[r.label, r.detail, r.count] for r in rejection_reasons(session, scope, period)])


def _failures_table(session: Session, scope: Scope, period: Period) -> Table:
    return (["network", "failure_class", "count"],
            [[r.label, r.detail, r.count] for r in publishing_failures(session, scope, period)])


def _nudges_table(session: Session, scope: Scope, period: Period) -> Table:
    return (["advisor_id", "name", "email", "branch", "linked", "last_post_at",
             "last_post_state", "last_published_at", "nudge", "newest_items"],
            [[r.advisor_id, r.name, r.email, r.branch or "", "yes" if r.linked else "no",
              r.last_post_at.isoformat() if r.last_post_at else "",
              str(r.last_post_state or ""),
              r.last_published_at.isoformat() if r.last_published_at else "",
              str(r.nudge or ""), " | ".join(r.suggestions)]
             for r in advisors(session, scope)])


TABLES: dict[str, Callable[[Session, Scope, Period], Table]] = {
    "adoption": _adoption_table, "sources": _sources_table, "library": _items_table,
    "turnaround": _turnaround_table, "rejections": _rejections_table,
    "failures": _failures_table, "nudges": _nudges_table,
}


def dashboard_table(session: Session, *, actor: User, name: str, period: Period,
                    branch_id: int | None = None) -> Table:
    """One of the dashboard's tables (headers, rows) for a CSV download."""
    scope = dashboard_scope(actor, branch_id)
    return TABLES[name](session, scope, period)
