"""Wall-clock times people type, in their own time zone, to UTC: one rule for every form.

A local time skipped by a clock change (the DST gap: 02:30 on the night clocks go forward)
does not exist; one repeated when clocks go back (02:30 twice) is ambiguous. Neither is
guessed: both are refused with a message saying which, next to the field (#12.10). Used by
the composer's schedule time and the library's availability window.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l

from advisor_hub.errors import ValidationError


def zone_of(time_zone: str) -> ZoneInfo:
    """The zone by name; an unknown or empty name is UTC."""
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_to_utc(local: datetime, time_zone: str, *, field: str | None = None) -> datetime:
    """``local`` (naive, or its tzinfo ignored) read in ``time_zone`` → aware UTC, to the
    second. Raises ``ValidationError`` (on ``field``) for a time that does not exist or
    happens twice there."""
    zone = zone_of(time_zone)
    local = local.replace(tzinfo=None, microsecond=0)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        shown = local.strftime("%Y-%m-%d %H:%M")
        back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back != local:
            raise ValidationError(_l("%(time)s does not exist in %(zone)s: the clocks change "
                                     "that night. Choose another time.",
                                     time=shown, zone=time_zone), field=field)
        raise ValidationError(_l("%(time)s happens twice in %(zone)s (the clocks go back). "
                                 "Choose another time.", time=shown, zone=time_zone),
                              field=field)
    return first.astimezone(UTC)
