"""Network adapters and the token cipher, built from the app's configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import requests
from flask import has_request_context, request

from advisor_hub.networks import (
    NETWORK_NAMES,
    NetworkAdapter,
    NetworkConfig,
    TokenCipher,
    available_networks,
    build_adapter,
    configs_from_settings,
)
from advisor_hub.sandbox_mount import MOUNT_PATH


def sandbox_base(settings: Mapping[str, Any]) -> str | None:
    """Where the Sandbox is: ``SANDBOX_API_BASE`` when configured; else, when the portal mounts
    it (``SANDBOX_MOUNT``), under ``/sandbox`` of the address this request came to (a
    trusted host: ``TRUSTED_HOSTS``) or of ``SERVER_NAME``; else nowhere (not offered)."""
    if settings.get("SANDBOX_API_BASE"):
        return str(settings["SANDBOX_API_BASE"])
    if not settings.get("SANDBOX_MOUNT"):
        return None
    if has_request_context():
        return request.url_root.rstrip("/") + MOUNT_PATH
    if settings.get("SERVER_NAME"):
        scheme = settings.get("PREFERRED_URL_SCHEME") or "http"
        root = str(settings.get("APPLICATION_ROOT") or "/").rstrip("/")
        return f"{scheme}://{settings['SERVER_NAME']}{root}{MOUNT_PATH}"
    return None


def network_configs(settings: Mapping[str, Any],
                    redirect_uri: Callable[[str], str] | None = None,
                    ) -> dict[str, NetworkConfig]:
    """Every network's config; the Sandbox only where it is (:func:`sandbox_base`)."""
    placed = {**settings, "SANDBOX_API_BASE": sandbox_base(settings)}
    return configs_from_settings(placed, redirect_uri=redirect_uri)


def adapter_for(settings: Mapping[str, Any], network: str, *,
                redirect_uri: Callable[[str], str] | None = None,
                http: requests.Session | None = None) -> NetworkAdapter:
    return build_adapter(network, network_configs(settings, redirect_uri)[network], http)


def networks_available(settings: Mapping[str, Any]) -> list[str]:
    return available_networks(network_configs(settings))


def all_networks() -> tuple[str, ...]:
    return NETWORK_NAMES


def token_cipher(settings: Mapping[str, Any]) -> TokenCipher:
    return TokenCipher(settings.get("TOKEN_ENCRYPTION_KEY"))
