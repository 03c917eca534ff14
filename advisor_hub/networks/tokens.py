"""Token and result value types shared by every adapter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

DEFAULT_REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class TokenSet:
    """An OAuth grant as stored (encrypted) for one linked account.

    ``repr`` never shows the secrets, so a TokenSet can appear in logs and tracebacks.
    """

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None
    scope: str = ""
    token_type: str = "Bearer"

    def __post_init__(self) -> None:
        if self.expires_at is not None and self.expires_at.tzinfo is None:
            raise ValueError("TokenSet.expires_at must be an aware UTC datetime")

    def needs_refresh(
        self, now: datetime | None = None, margin: timedelta = DEFAULT_REFRESH_MARGIN
    ) -> bool:
        """True when the access token expires within ``margin`` of ``now``."""
        if self.expires_at is None:
            return False
        now = now or datetime.now(UTC)
        return now + margin >= self.expires_at

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.needs_refresh(now, margin=timedelta(0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "scope": self.scope,
            "token_type": self.token_type,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenSet:
        expires_at = data.get("expires_at")
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=datetime.fromisoformat(expires_at) if expires_at else None,
            scope=data.get("scope") or "",
            token_type=data.get("token_type") or "Bearer",
        )

    @classmethod
    def from_oauth(cls, token: dict[str, Any], *, now: datetime | None = None) -> TokenSet:
        """Build from an oauthlib / requests-oauthlib token dict."""
        expires_at: datetime | None = None
        if token.get("expires_at") is not None:
            expires_at = datetime.fromtimestamp(float(token["expires_at"]), UTC)
        elif token.get("expires_in") not in (None, "", 0, "0"):
            expires_at = (now or datetime.now(UTC)) + timedelta(seconds=int(token["expires_in"]))
        scope = token.get("scope") or ""
        if isinstance(scope, list | tuple | set):
            scope = " ".join(scope)
        return cls(
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token") or None,
            expires_at=expires_at,
            scope=str(scope),
            token_type=str(token.get("token_type") or "Bearer"),
        )


@dataclass(frozen=True)
class Account:
    """Something an advisor can link and publish to: a member profile or a Facebook Page.

    ``token`` is set when the account has its own token (a Facebook Page access token);
    otherwise publishing uses the token the profile was fetched with. ``grantor_id`` is set
    when the grant belongs to someone other than the account (a Page: the Facebook user who
    manages it); revoking that grant ends access to every account it covers.
    """

    external_id: str
    name: str
    profile_url: str | None = None
    picture_url: str | None = None
    token: TokenSet | None = field(default=None, repr=False)
    grantor_id: str | None = None


@dataclass(frozen=True)
class Profile:
    """Who authorised the app, and the accounts that grant lets us publish to."""

    external_id: str
    name: str
    profile_url: str | None = None
    picture_url: str | None = None
    accounts: tuple[Account, ...] = ()


@dataclass(frozen=True)
class PublishResult:
    post_id: str
    post_url: str | None
