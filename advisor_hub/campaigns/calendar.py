""""My calendar" (an advisor's scheduled and published posts per account, by month or week,
in their time zone) and a campaign's counts per day and branch for marketing."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.accounts.services import branch_names
from advisor_hub.campaigns.models import Campaign, CampaignPost, CampaignPostState
from advisor_hub.campaigns.schedule import wall_clock_to_utc, zone
from advisor_hub.publishing import services as publishing
from advisor_hub.publishing.models import TargetState
from advisor_hub.publishing.reporting import author_targets
from advisor_hub.roles import Role, require_role

VIEWS = ("month", "week")


@dataclass(frozen=True)
class Entry:
    post_id: int
    account_id: int
    account_name: str
    network: str
    state: TargetState
    when: datetime
    url: str | None
    campaign: str | None

    @property
    def open(self) -> bool:
        return self.state == TargetState.SCHEDULED


@dataclass(frozen=True)
class Day:
    day: date
    in_range: bool                      # in the month shown (a month grid shows neighbours)
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class Calendar:
    view: str
    anchor: date
    first: date
    last: date                          # inclusive
    weeks: list[list[Day]]
    previous: date
    next: date


def _bounds(view: str, anchor: date) -> tuple[date, date, date, date, date, date]:
    """(grid first, grid last, range first, range last, previous anchor, next anchor)."""
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        last = first + timedelta(days=6)
        return first, last, first, last, first - timedelta(days=7), first + timedelta(days=7)
    month_first = anchor.replace(day=1)
    month_next = (month_first + timedelta(days=32)).replace(day=1)
    month_last = month_next - timedelta(days=1)
    grid_first = month_first - timedelta(days=month_first.weekday())
    grid_last = month_last + timedelta(days=6 - month_last.weekday())
    previous = (month_first - timedelta(days=1)).replace(day=1)
    return grid_first, grid_last, month_first, month_last, previous, month_next


def advisor_calendar(session: Session, advisor: User, *, view: str = "month",
                     anchor: date | None = None, now: datetime | None = None) -> Calendar:
    require_role(advisor, Role.ADVISOR)
    tz = zone(advisor.time_zone)
    view = view if view in VIEWS else "month"
    anchor = anchor or (now or datetime.now(tz)).astimezone(tz).date()
    grid_first, grid_last, first, last, previous, following = _bounds(view, anchor)
    start = wall_clock_to_utc(grid_first, datetime.min.time(), tz.key)
    end = wall_clock_to_utc(grid_last + timedelta(days=1), datetime.min.time(), tz.key)
    accounts = {a.id: a for a in publishing.accounts_of(session, advisor,
                                                        include_unlinked=True)}
    rows = session.execute(author_targets(advisor.id, start, end)).all()
    post_ids = sorted({r[0] for r in rows})
    campaign_of: dict[int, str] = {}
    if post_ids:
        campaign_of = dict(session.execute(  # type: ignore[arg-type]
            select(CampaignPost.post_id, Campaign.name)
            .join(Campaign, Campaign.id == CampaignPost.campaign_id)
            .where(CampaignPost.post_id.in_(post_ids))).all())
    by_day: dict[date, list[Entry]] = defaultdict(list)
    for post_id, account_id, network, state, when, url in rows:
        if when is None:
            continue
        account = accounts.get(account_id)
        by_day[when.astimezone(tz).date()].append(Entry(
            post_id, account_id, account.display_name if account else "", network,
            TargetState(state), when, url, campaign_of.get(post_id)))
    weeks: list[list[Day]] = []
    day = grid_first
    while day <= grid_last:
        week = []
        for _ in range(7):
            week.append(Day(day, first <= day <= last, by_day.get(day, [])))
            day += timedelta(days=1)
        weeks.append(week)
    return Calendar(view, anchor, first, last, weeks, previous, following)


@dataclass(frozen=True)
class CampaignCounts:
    days: list[date]
    branches: list[tuple[int | None, str]]
    counts: dict[tuple[date, int | None], int]        # scheduled posts per day and branch
    states: dict[str, int]                             # rows per state

    def count(self, day: date, branch_id: int | None) -> int:
        return self.counts.get((day, branch_id), 0)


def campaign_counts(session: Session, campaign: Campaign) -> CampaignCounts:
    """Marketing's view across the network: the posts per day (on the campaign's zone) and
    branch, and the rows per state."""
    tz = zone(campaign.time_zone)
    rows = session.execute(
        select(CampaignPost.scheduled_at, User.branch_id, CampaignPost.state)
        .join(User, User.id == CampaignPost.advisor_id)
        .where(CampaignPost.campaign_id == campaign.id)).all()
    counts: Counter[tuple[date, int | None]] = Counter()
    states: Counter[str] = Counter()
    for when, branch_id, state in rows:
        states[str(state)] += 1
        if state == CampaignPostState.SCHEDULED:
            counts[(when.astimezone(tz).date(), branch_id)] += 1
    days = sorted({d for d, _b in counts})
    names: dict[Any, str] = branch_names(session, [b for _d, b in counts if b is not None])
    branches = sorted({(b, names.get(b, "—")) for _d, b in counts}, key=lambda x: x[1])
    return CampaignCounts(days, branches, dict(counts), dict(states))
