"""When a campaign step goes out for one advisor: pure functions, no database.

A step is "day N of the campaign at HH:MM", read on the advisor's clock (``TimeMode.ADVISOR``)
or on the campaign's one zone (``TimeMode.FIRM``). A wall-clock time that does not exist that
day (clocks going forward) moves forward by the gap (02:30 → 03:30 in Paris); one that happens
twice (clocks going back) is its first occurrence. Then the advisor's stagger is added: a fixed
offset within ``CAMPAIGN_STAGGER_MINUTES``, derived from a hash of the campaign and advisor
ids, so that a network does not receive the same post from hundreds of advisors in the same
second, and an advisor's posts keep the same offset every time the plan is computed.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_STAGGER_MINUTES = 30


def zone(name: str) -> ZoneInfo:
    """The zone called ``name``; UTC for an unknown name (never a crash on stored data)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_time(value: str) -> time:
    """ "HH:MM" → a time; ValueError otherwise."""
    hours, minutes = value.split(":")
    if len(hours) != 2 or len(minutes) != 2:
        raise ValueError(value)
    return time(int(hours), int(minutes))


def wall_clock_to_utc(day: date, at: time, time_zone: str) -> datetime:
    """``day`` at ``at`` on the clock of ``time_zone``, in UTC (gap: forward; fold: first)."""
    # fold=0 reads a repeated time as its first occurrence, and a time inside the gap with
    # the offset before the change: the instant the clocks show that time plus the gap.
    return datetime.combine(day, at).replace(tzinfo=zone(time_zone), fold=0).astimezone(UTC)


def stagger_offset(campaign_id: int, advisor_id: int, window_minutes: int) -> timedelta:
    """The advisor's fixed offset in [0, window): the same for every step of a campaign."""
    window = max(0, int(window_minutes)) * 60
    if window == 0:
        return timedelta(0)
    digest = hashlib.sha256(f"campaign:{campaign_id}:advisor:{advisor_id}".encode()).digest()
    return timedelta(seconds=int.from_bytes(digest[:8], "big") % window)


def step_time(*, start: date, day_offset: int, send_time: str, time_zone: str,
              campaign_id: int, advisor_id: int, stagger_minutes: int) -> datetime:
    """The UTC time a step goes out for one advisor (``time_zone``: the advisor's or the
    firm's, as the campaign says)."""
    base = wall_clock_to_utc(start + timedelta(days=day_offset), parse_time(send_time),
                             time_zone)
    return base + stagger_offset(campaign_id, advisor_id, stagger_minutes)
