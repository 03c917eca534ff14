"""Network adapters and the token cipher, built from the app's configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import requests

from advisor_hub.networks import (
    NETWORK_NAMES,
    NetworkAdapter,
    NetworkConfig,
    TokenCipher,
    available_networks,
    build_adapter,
    configs_from_settings,
)


def network_configs(settings: Mapping[str, Any],
                    redirect_uri: Callable[[str], str] | None = None,
                    ) -> dict[str, NetworkConfig]:
    """Every network's config; the Sandbox is where the app mounts it unless configured."""
    return configs_from_settings(settings, redirect_uri=redirect_uri)


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
