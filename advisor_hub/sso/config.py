"""Single sign-on settings, from the environment like every other setting.

Each key is read from the app config (test config, ``ADVISOR_HUB_*``), else from the plain
environment variable of the same name, else the default below. Unsafe settings stop the app
at start-up with a message saying what to set.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from advisor_hub.accounts.login import ABSOLUTE_HOURS, IDLE_MINUTES
from advisor_hub.accounts.services import normalise_email
from advisor_hub.sso.errors import InvalidRoleMap
from advisor_hub.sso.rolemap import RoleMap, parse_role_map

DEFAULTS: dict[str, Any] = {
    "OIDC_ISSUER": "",
    "OIDC_CLIENT_ID": "",
    "OIDC_CLIENT_SECRET": "",
    "OIDC_SCOPES": "openid profile email",
    "OIDC_GROUPS_CLAIM": "groups",
    "OIDC_ROLE_MAP": "",
    "OIDC_BRANCH_CLAIM": "",
    "OIDC_PROVIDER_NAME": "",
    # Where the provider sends the browser back; empty: https://<this host>/sso/callback.
    "OIDC_REDIRECT_URI": "",
    # Trust the provider's `email` claim without `email_verified` (Entra ID sends none) when
    # linking a first sign-in to an existing account.
    "OIDC_TRUST_EMAIL": "false",
    "OIDC_TIMEOUT_SECONDS": "10",
    "LOCAL_PASSWORDS": "true",
    "BREAK_GLASS_EMAILS": "",
    "SCIM_TOKEN": "",
    "SESSION_ABSOLUTE_HOURS": str(ABSOLUTE_HOURS),
    "SESSION_IDLE_MINUTES": str(IDLE_MINUTES),
}

LOOPBACK_NAMES = {"localhost"}


class UnsafeSetting(RuntimeError):
    """The app refuses to start: the message says which setting to fix."""


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise UnsafeSetting(f"expected true or false, got {value!r}")


def _list(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple | set | frozenset) \
        else str(value or "").split(",")
    return tuple(str(v).strip() for v in items if str(v).strip())


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_provider_url(url: str) -> str | None:
    """Why ``url`` may not be used to talk to the identity provider, or None: https, or plain
    http on a loopback address (development and tests only)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return None
    return (f"{url!r} is not an https URL (plain http is accepted only on 127.0.0.1, "
            "localhost or ::1)")


@dataclass(frozen=True)
class SsoConfig:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    groups_claim: str
    role_map_text: str
    role_map: RoleMap
    branch_claim: str
    provider_name: str
    redirect_uri: str
    trust_email: bool
    timeout: float
    local_passwords: bool
    break_glass_emails: frozenset[str]
    scim_token: str

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.issuer)

    def password_allowed(self, email: str) -> bool:
        """Local passwords on, or this is a configured break-glass account."""
        return self.local_passwords or normalise_email(email) in self.break_glass_emails


def load(app: Flask) -> SsoConfig:
    """Fill the app config with the SSO keys and check them (UnsafeSetting if wrong)."""
    for key, default in DEFAULTS.items():
        if key not in app.config:
            app.config[key] = os.environ.get(key, default)
    c = app.config
    issuer = str(c["OIDC_ISSUER"] or "").strip().rstrip("/")
    try:
        role_map = parse_role_map(str(c["OIDC_ROLE_MAP"] or ""))
    except InvalidRoleMap as error:
        raise UnsafeSetting(f"OIDC_ROLE_MAP: {error}") from None
    config = SsoConfig(
        issuer=issuer,
        client_id=str(c["OIDC_CLIENT_ID"] or "").strip(),
        client_secret=str(c["OIDC_CLIENT_SECRET"] or ""),
        scopes=" ".join(_list(str(c["OIDC_SCOPES"]).replace(" ", ","))) or "openid",
        groups_claim=str(c["OIDC_GROUPS_CLAIM"] or "groups").strip(),
        role_map_text=str(c["OIDC_ROLE_MAP"] or ""),
        role_map=role_map,
        branch_claim=str(c["OIDC_BRANCH_CLAIM"] or "").strip(),
        provider_name=str(c["OIDC_PROVIDER_NAME"] or "").strip(),
        redirect_uri=str(c["OIDC_REDIRECT_URI"] or "").strip(),
        trust_email=_flag(c["OIDC_TRUST_EMAIL"]),
        timeout=float(c["OIDC_TIMEOUT_SECONDS"]),
        local_passwords=_flag(c["LOCAL_PASSWORDS"]),
        break_glass_emails=frozenset(normalise_email(e) for e in _list(c["BREAK_GLASS_EMAILS"])),
        scim_token=str(c["SCIM_TOKEN"] or ""),
    )
    c["SESSION_ABSOLUTE_HOURS"] = float(c["SESSION_ABSOLUTE_HOURS"])
    c["SESSION_IDLE_MINUTES"] = float(c["SESSION_IDLE_MINUTES"])
    _check(config)
    return config


def _check(config: SsoConfig) -> None:
    if config.issuer:
        if reason := check_provider_url(config.issuer):
            raise UnsafeSetting(f"OIDC_ISSUER: {reason}")
        if not config.client_id:
            raise UnsafeSetting("OIDC_ISSUER is set: set OIDC_CLIENT_ID too")
        if "openid" not in config.scopes.split():
            raise UnsafeSetting("OIDC_SCOPES must include openid")
    if not config.local_passwords and not config.issuer and not config.break_glass_emails:
        raise UnsafeSetting("LOCAL_PASSWORDS=false locks everyone out: set OIDC_ISSUER or "
                            "BREAK_GLASS_EMAILS")
    if config.scim_token and len(config.scim_token) < 32:
        raise UnsafeSetting("SCIM_TOKEN must be at least 32 characters long (a random token)")
