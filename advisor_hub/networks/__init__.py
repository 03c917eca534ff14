"""Network adapters: one small interface (``NetworkAdapter``) per social network.

Typical use::

    configs = configs_from_settings(app.config, redirect_uri=lambda n: url_for(...))
    adapter = build_adapter("sandbox", configs["sandbox"])
    names = available_networks(configs)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import requests

from .base import NetworkAdapter, NetworkConfig, find_urls
from .comments import CommentPage, NetworkComment
from .crypto import TokenCipher, TokenDecryptError, TokenKeyError, generate_key
from .errors import (
    AuthorizationFailed,
    CommentsUnsupported,
    Duplicate,
    LookupUnsupported,
    NetworkError,
    NotSent,
    OutcomeUnknown,
    PermanentFailure,
    ReauthNeeded,
)
from .facebook import FacebookAdapter
from .linkedin import LinkedInAdapter
from .media import Media
from .oauth import code_challenge, new_code_verifier, new_state
from .sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SandboxAdapter, sandbox_config
from .tokens import Account, Profile, PublishResult, TokenSet
from .x import XAdapter

ADAPTERS: dict[str, type[NetworkAdapter]] = {
    cls.name: cls for cls in (LinkedInAdapter, FacebookAdapter, XAdapter, SandboxAdapter)
}
NETWORK_NAMES = tuple(ADAPTERS)


class UnknownNetwork(KeyError):
    pass


def build_adapter(
    name: str, config: NetworkConfig, session: requests.Session | None = None
) -> NetworkAdapter:
    try:
        cls = ADAPTERS[name]
    except KeyError:
        raise UnknownNetwork(name) from None
    return cls(config, session)


def network_label(name: str) -> str:
    """The network's display name ("LinkedIn"), or the code itself if unknown."""
    adapter = ADAPTERS.get(name)
    return str(adapter.label) if adapter is not None else name


def available_networks(configs: Mapping[str, NetworkConfig]) -> list[str]:
    """Networks whose app credentials are configured, in display order."""
    return [name for name in NETWORK_NAMES if name in configs and configs[name].has_credentials]


def configs_from_settings(
    settings: Mapping[str, Any],
    *,
    redirect_uri: Callable[[str], str] | None = None,
) -> dict[str, NetworkConfig]:
    """Build every network's config from flat settings such as Flask's ``app.config``.

    Keys per network (prefix ``LINKEDIN_``, ``FACEBOOK_``, ``X_``, ``SANDBOX_``):
    ``CLIENT_ID``, ``CLIENT_SECRET``, ``AUTH_URL``, ``TOKEN_URL``, ``API_BASE``,
    ``REVOKE_URL``, ``API_VERSION``, ``CONNECT_TIMEOUT``, ``READ_TIMEOUT``,
    ``REJECTS_DUPLICATES``. Unset URL keys
    mean the real network. The Sandbox gets its development credentials by default.
    """
    configs = {}
    for name in NETWORK_NAMES:
        prefix = name.upper() + "_"

        def get(key: str, default: Any = None, prefix: str = prefix) -> Any:
            value = settings.get(prefix + key)
            return default if value in (None, "") else value

        defaults: dict[str, Any] = {}
        if name == "sandbox":
            # Offered only where it is: mounted by the portal (which passes its address as
            # SANDBOX_API_BASE) or an explicitly configured SANDBOX_API_BASE; then with its
            # development credentials unless others are given.
            unplaced = not get("API_BASE")
            defaults = {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}
        else:
            unplaced = False
        configs[name] = NetworkConfig(
            client_id=None if unplaced else get("CLIENT_ID", defaults.get("client_id")),
            client_secret=None if unplaced else get("CLIENT_SECRET",
                                                    defaults.get("client_secret")),
            redirect_uri=redirect_uri(name) if redirect_uri else get("REDIRECT_URI"),
            auth_url=get("AUTH_URL"),
            token_url=get("TOKEN_URL"),
            api_base=get("API_BASE"),
            revoke_url=get("REVOKE_URL"),
            api_version=get("API_VERSION"),
            connect_timeout=float(get("CONNECT_TIMEOUT", 5.0)),
            read_timeout=float(get("READ_TIMEOUT", 30.0)),
            extra=({"rejects_duplicates": get("REJECTS_DUPLICATES")}
                   if get("REJECTS_DUPLICATES") is not None else {}),
        )
    return configs


__all__ = [
    "ADAPTERS",
    "NETWORK_NAMES",
    "Account",
    "AuthorizationFailed",
    "CommentPage",
    "CommentsUnsupported",
    "Duplicate",
    "FacebookAdapter",
    "LinkedInAdapter",
    "LookupUnsupported",
    "Media",
    "NetworkAdapter",
    "NetworkComment",
    "NetworkConfig",
    "NetworkError",
    "NotSent",
    "OutcomeUnknown",
    "PermanentFailure",
    "Profile",
    "PublishResult",
    "ReauthNeeded",
    "SandboxAdapter",
    "TokenCipher",
    "TokenDecryptError",
    "TokenKeyError",
    "TokenSet",
    "UnknownNetwork",
    "XAdapter",
    "available_networks",
    "network_label",
    "build_adapter",
    "code_challenge",
    "configs_from_settings",
    "find_urls",
    "generate_key",
    "new_code_verifier",
    "new_state",
    "sandbox_config",
]
