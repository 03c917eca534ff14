"""API versions the app sends, their age and their end of support.

LinkedIn: monthly ``YYYYMM`` versions served about a year (rules.LINKEDIN_*). The end of a
version is its published sunset date when known, else the first day of its release month one
year later: before LinkedIn's usual mid-month sunset, so a warning comes early, never late.
Facebook: the Graph API version's published expiration date (rules.GRAPH_VERSIONS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from advisor_hub.connectors import rules

_LINKEDIN_VERSION = re.compile(r"^(\d{4})(\d{2})(?:\.\d{2})?$")


class UnknownVersion(ValueError):
    """Not a version this code can date: treated as unsupported (fail closed)."""


@dataclass(frozen=True)
class VersionStatus:
    network: str
    version: str
    released: date | None
    ends: date | None  # None: no end announced
    estimated: bool  # the end is computed from the rule, not published
    today: date
    warning_days: int

    @property
    def age_days(self) -> int | None:
        return None if self.released is None else (self.today - self.released).days

    @property
    def age_months(self) -> int | None:
        if self.released is None:
            return None
        return ((self.today.year - self.released.year) * 12
                + self.today.month - self.released.month)

    @property
    def days_left(self) -> int | None:
        return None if self.ends is None else (self.ends - self.today).days

    @property
    def retired(self) -> bool:
        return self.ends is not None and self.today >= self.ends

    @property
    def warn(self) -> bool:
        """From ``warning_days`` before the end (and once retired)."""
        return self.ends is not None and self.today >= self.ends - timedelta(days=self.warning_days)

    @property
    def notice_key(self) -> str:
        """What "told once" is counted against: this network's version."""
        return f"version:{self.network}:{self.version}"


def linkedin_release(version: str) -> date:
    match = _LINKEDIN_VERSION.match(version.strip())
    if not match:
        raise UnknownVersion(f"not a LinkedIn-Version (YYYYMM): {version!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise UnknownVersion(f"not a LinkedIn-Version (YYYYMM): {version!r}")
    return date(year, month, 1)


def linkedin_end(version: str) -> tuple[date, bool]:
    """(end of support, estimated?)."""
    base = version.strip().split(".")[0]
    if base in rules.LINKEDIN_SUNSETS:
        return rules.LINKEDIN_SUNSETS[base], False
    released = linkedin_release(version)
    months = released.month - 1 + rules.LINKEDIN_SUPPORT_MONTHS
    return date(released.year + months // 12, months % 12 + 1, 1), True


def linkedin_status(version: str, today: date, warning_days: int = rules.VERSION_WARNING_DAYS,
                    ) -> VersionStatus:
    """The configured LinkedIn version's age and end. An unparseable version counts as
    already retired (nothing can be said for it)."""
    try:
        released = linkedin_release(version)
        ends, estimated = linkedin_end(version)
    except UnknownVersion:
        return VersionStatus("linkedin", version, None, today, True, today, warning_days)
    return VersionStatus("linkedin", version, released, ends, estimated, today, warning_days)


def graph_status(version: str, today: date, warning_days: int = rules.VERSION_WARNING_DAYS,
                 ) -> VersionStatus:
    """The Facebook Graph API version's age and expiration. A version missing from the table
    (older than it, or mistyped) counts as expired."""
    known = rules.GRAPH_VERSIONS.get(version)
    if known is None:
        return VersionStatus("facebook", version, None, today, True, today, warning_days)
    released, ends = known
    return VersionStatus("facebook", version, released, ends, False, today, warning_days)
