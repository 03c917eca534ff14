"""What the views of the app share about single sign-on: the settings and the provider."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from advisor_hub.sso.config import SsoConfig
from advisor_hub.sso.errors import LocalPasswordsOff
from advisor_hub.sso.oidc import Provider


@dataclass(frozen=True)
class SsoState:
    config: SsoConfig
    provider: Provider | None

    @classmethod
    def create(cls, config: SsoConfig) -> SsoState:
        return cls(config, Provider(config) if config.oidc_enabled else None)


def sso_state() -> SsoState:
    return current_app.extensions["sso"]


def require_password_allowed(email: str) -> None:
    """The login form's gate: LOCAL_PASSWORDS=false leaves only the break-glass accounts."""
    if not sso_state().config.password_allowed(email or ""):
        raise LocalPasswordsOff()
