"""The "from day to day, in the reader's time zone" filter: its two form fields and the UTC
bounds it stands for. The archive, the audit browser and the dashboard all use it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional

# Where a day's midnight falls outside what datetime can hold (0001-01-01 east of UTC, the
# day after 9999-12-31), the bound is the first or last instant there is: the range is then
# open on that side, which is what such a date means.
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)

RANGE_REVERSED = _l("The end date must not be before the start date.")


def day_start(day: date, time_zone: str = "UTC") -> datetime:
    """The instant (UTC) a day begins in a time zone, clamped to what datetime holds."""
    try:
        return datetime.combine(day, time(), ZoneInfo(time_zone)).astimezone(UTC)
    except OverflowError:
        return EARLIEST if day.year == date.min.year else LATEST


def day_after(day: date, time_zone: str = "UTC") -> datetime:
    """The instant (UTC) the day after ``day`` begins: the exclusive end of a range."""
    try:
        return day_start(day + timedelta(days=1), time_zone)
    except OverflowError:
        return LATEST


def utc_bounds(first: date | None, last: date | None, time_zone: str = "UTC"
               ) -> tuple[datetime | None, datetime | None]:
    """[start, end) in UTC covering the whole days ``first``..``last`` (both inclusive) in
    ``time_zone``; None on a side left open."""
    return (day_start(first, time_zone) if first is not None else None,
            day_after(last, time_zone) if last is not None else None)


def between(column: Any, first: date | None, last: date | None, time_zone: str = "UTC"
            ) -> list[Any]:
    """The SQL conditions "``column`` falls on one of those days" (none for open sides)."""
    start, end = utc_bounds(first, last, time_zone)
    return ([column >= start] if start is not None else []) + (
        [column < end] if end is not None else [])


class DateRangeForm(FlaskForm):
    """A form with optional From/To days (subclasses add their fields); To before From is
    a form error on To, and so is a range of ``max_days`` days or more (``too_long``) when a
    subclass sets a limit."""

    max_days: ClassVar[int | None] = None
    too_long: ClassVar[object] = ""  # a lazy string, with max_days

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate(self, extra_validators: Any = None) -> bool:
        # Every error at once: the range is checked even when another field failed.
        valid = super().validate(extra_validators)
        first, last = self.date_from.data, self.date_to.data
        if first is None or last is None or self.date_from.errors or self.date_to.errors:
            return valid
        if first > last:
            problem = RANGE_REVERSED
        elif self.max_days is not None and (last - first).days >= self.max_days:
            problem = self.too_long
        else:
            return valid
        self.date_to.errors = [*self.date_to.errors, str(problem)]
        return False
