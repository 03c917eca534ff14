"""Each network's rules as the portal applies them: versions, token lifetimes, posting limits,
prices. Every number cites the page it comes from (docs/networks.md has the quotes); where a
network publishes none, the default is conservative and configurable.

Configuration (``app.config``), all optional:

* ``LINKEDIN_API_VERSION``: the ``LinkedIn-Version`` sent (:data:`LINKEDIN_DEFAULT_VERSION`).
* ``CONNECTOR_VERSION_WARNING_DAYS``: warn this many days before a version's end (61).
* ``CONNECTOR_REMINDER_DAYS``: remind advisors this many days before a grant ends ((14, 3)).
* ``CONNECTOR_LIMITS``: ``{network: [Limit, ...]}`` replacing :data:`DEFAULT_LIMITS` per network.
* ``CONNECTOR_READ_LIMITS``: the same for reading comments (:data:`DEFAULT_READ_LIMITS`).
* ``CONNECTOR_STORM_THRESHOLD``: consecutive 5xx answers across accounts that hold a network (5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

# --- LinkedIn versions --------------------------------------------------------------------------

# Monthly YYYYMM versions, "supported and stable for a minimum of one year before sunset":
# https://learn.microsoft.com/en-us/linkedin/marketing/versioning
LINKEDIN_SUPPORT_MONTHS = 12
# "August 2026 - Version 202608 (Latest)":
# https://learn.microsoft.com/en-ca/linkedin/marketing/integrations/recent-changes
# Chosen explicitly, never computed from today's date: LinkedIn skips months (no 202512 on the
# migrations page), and a month it never released is answered 426 NONEXISTENT_VERSION.
LINKEDIN_DEFAULT_VERSION = "202608"
# Published sunset dates (the "Migration / Sunset Date" table):
# https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations
LINKEDIN_SUNSETS: dict[str, date] = {
    "202411": date(2025, 11, 17),
    "202508": date(2026, 8, 17),
    "202510": date(2026, 10, 15),
    "202511": date(2026, 11, 16),
    "202601": date(2027, 1, 15),
    "202602": date(2027, 2, 15),
    "202603": date(2027, 3, 16),
}
# Warn from two months before the end (issue 13).
VERSION_WARNING_DAYS = 61

# --- Facebook Graph API versions ----------------------------------------------------------------

# "Version / Release Date / Expiration Date":
# https://developers.facebook.com/docs/graph-api/changelog/versions/
GRAPH_VERSIONS: dict[str, tuple[date, date | None]] = {
    "v26.0": (date(2026, 7, 29), None),
    "v25.0": (date(2026, 2, 18), date(2028, 7, 29)),
    "v24.0": (date(2025, 10, 8), date(2028, 2, 18)),
    "v23.0": (date(2025, 5, 29), date(2027, 10, 8)),
    "v22.0": (date(2025, 1, 21), date(2027, 5, 20)),
    "v21.0": (date(2024, 10, 2), date(2027, 1, 21)),
    "v20.0": (date(2024, 5, 21), date(2026, 9, 24)),
}

# --- token lifetimes ----------------------------------------------------------------------------

# "By default, access tokens are valid for 60 days and programmatic refresh tokens are valid for
# a year"; refreshing keeps the refresh token's TTL "as specified in the initial OAuth flow
# (365 days)": https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
LINKEDIN_ACCESS_LIFETIME = timedelta(days=60)
LINKEDIN_GRANT_LIFETIME = timedelta(days=365)
# "the access token ... will only stay valid for two hours unless you've used the
# offline.access scope": https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
# No refresh-token lifetime is published: an X grant with a refresh token has no known end.
X_ACCESS_LIFETIME = timedelta(hours=2)
X_OFFLINE_SCOPE = "offline.access"
# Facebook Page tokens from a long-lived user token carry no expiry; they die on a password
# change or loss of the Page role (docs/networks.md, "Page tokens"): no known end.
REMINDER_DAYS = (14, 3)

# --- posting limits -----------------------------------------------------------------------------


class Scope(StrEnum):
    ACCOUNT = "account"  # per member / user / Page
    APP = "app"  # per application, every account of the network together


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` posts per ``window`` (seconds), per account or per app."""

    scope: Scope
    limit: int
    window: int
    source: str = ""

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window < 1:
            raise ValueError(f"a limit needs a positive count and window: {self}")

    @property
    def name(self) -> str:
        return f"{self.scope}:{self.limit}/{self.window}"


DAY = 24 * 3600
LINKEDIN_LIMITS_URL = "https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits"
X_LIMITS_URL = "https://developer.x.com/en/docs/x-api/tweets/manage-tweets"
FACEBOOK_LIMITS_URL = "https://developers.facebook.com/docs/graph-api/overview/rate-limiting/"
DEFAULT_LIMITS: dict[str, tuple[Limit, ...]] = {
    # Per member and per app per day, reset at midnight UTC; the numbers are not published
    # ("Standard rate limits are not published in documentation"): conservative defaults.
    "linkedin": (Limit(Scope.ACCOUNT, 25, DAY, LINKEDIN_LIMITS_URL),
                 Limit(Scope.APP, 2000, DAY, LINKEDIN_LIMITS_URL)),
    # 100 per 24 h per user (developer portal, quoted in tweepy discussion 2129) and 300 per
    # 3 hours per user and per app, shared with reposts: manage-tweets page.
    "x": (Limit(Scope.ACCOUNT, 100, DAY, X_LIMITS_URL),
          Limit(Scope.APP, 300, 3 * 3600, X_LIMITS_URL)),
    # No posts-per-Page number published (BUC limits count calls): conservative defaults.
    "facebook": (Limit(Scope.ACCOUNT, 25, DAY, FACEBOOK_LIMITS_URL),
                 Limit(Scope.APP, 200, 3600, FACEBOOK_LIMITS_URL)),
    # The local Sandbox: no limit unless a test configures one.
    "sandbox": (),
}

# Reading comments (the conversations feature) draws on buckets of its own ("<network>:read:..."),
# never on the posting limits. X recent search: "GET /2/tweets/search/recent 450/15min [per
# app] 300/15min [per user]" (X_LIMITS_URL's sibling page below); the defaults stay well under.
# Facebook counts calls per Page in its Business Use Case limits (FACEBOOK_LIMITS_URL), with no
# fixed number: a conservative one.
X_RATE_LIMITS_URL = "https://docs.x.com/x-api/fundamentals/rate-limits"
DEFAULT_READ_LIMITS: dict[str, tuple[Limit, ...]] = {
    "x": (Limit(Scope.ACCOUNT, 150, 900, X_RATE_LIMITS_URL),
          Limit(Scope.APP, 300, 900, X_RATE_LIMITS_URL)),
    "facebook": (Limit(Scope.ACCOUNT, 120, 3600, FACEBOOK_LIMITS_URL),
                 Limit(Scope.APP, 1200, 3600, FACEBOOK_LIMITS_URL)),
    "linkedin": (),
    "sandbox": (),
}

# --- X prices -----------------------------------------------------------------------------------

# "Posts: Read $0.005 per resource": every reply the capture reads is billed.
X_PRICE_READ = Decimal("0.005")
# "Content: Create $0.015 per request", "Content: Create (with URL) $0.200 per request"
# (prices subject to change; the admin sets the current ones):
# https://docs.x.com/x-api/getting-started/pricing
X_PRICE_POST = Decimal("0.015")
X_PRICE_POST_WITH_LINK = Decimal("0.200")

# --- app-wide faults ----------------------------------------------------------------------------

STORM_THRESHOLD = 5


def limits_for(config: Mapping[str, Any], network: str) -> tuple[Limit, ...]:
    configured = (config.get("CONNECTOR_LIMITS") or {}).get(network)
    if configured is None:
        return DEFAULT_LIMITS.get(network, ())
    return tuple(configured)


def read_limits_for(config: Mapping[str, Any], network: str) -> tuple[Limit, ...]:
    """Limits on reading comments (``CONNECTOR_READ_LIMITS`` replaces the defaults per network)."""
    configured = (config.get("CONNECTOR_READ_LIMITS") or {}).get(network)
    if configured is None:
        return DEFAULT_READ_LIMITS.get(network, ())
    return tuple(configured)


def linkedin_version(config: Mapping[str, Any]) -> str:
    return str(config.get("LINKEDIN_API_VERSION") or LINKEDIN_DEFAULT_VERSION)


def api_version(config: Mapping[str, Any], network: str) -> str | None:
    """The API version the app sends to ``network`` (``<NETWORK>_API_VERSION``), if any."""
    if network == "linkedin":
        return linkedin_version(config)
    value = config.get(f"{network.upper()}_API_VERSION")
    return str(value) if value else None


def reminder_days(config: Mapping[str, Any]) -> tuple[int, ...]:
    days = config.get("CONNECTOR_REMINDER_DAYS") or REMINDER_DAYS
    return tuple(sorted({int(d) for d in days}, reverse=True))


def version_warning_days(config: Mapping[str, Any]) -> int:
    return int(config.get("CONNECTOR_VERSION_WARNING_DAYS") or VERSION_WARNING_DAYS)


def storm_threshold(config: Mapping[str, Any]) -> int:
    return max(1, int(config.get("CONNECTOR_STORM_THRESHOLD") or STORM_THRESHOLD))
