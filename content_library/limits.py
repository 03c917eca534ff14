"""Per-network character limits and counting, delegated to the network adapters
(``advisor_hub.networks``: one definition of each network's rules for the whole product).
static/js/library.js mirrors these rules for the live counter; the server decides.
"""

from __future__ import annotations

from functools import cache

from advisor_hub.networks import (
    ADAPTERS,
    NetworkAdapter,
    NetworkConfig,
    build_adapter,
    network_label,
)

NETWORKS = ("linkedin", "facebook", "x", "sandbox")
LIMITS = {name: ADAPTERS[name].char_limit for name in NETWORKS}
NETWORK_LABELS = {name: network_label(name) for name in NETWORKS}


@cache
def _adapter(network: str) -> NetworkAdapter:
    return build_adapter(network, NetworkConfig())


def count_chars(network: str, text: str, link_url: str | None = None, *,
                with_media: bool = False) -> int:
    """Characters the network counts for ``text`` as it would be sent (X: every URL counts
    23, and a link not in the text is appended to it; LinkedIn and Facebook append it too
    when the post carries an image)."""
    adapter = _adapter(network)
    return adapter.count_chars(adapter.render_text(text, link_url, with_media=with_media))


def over_limit(networks: list[str], text: str, link_url: str | None = None, *,
               with_media: bool = False) -> list[tuple[str, int, int]]:
    """(network, count, limit) for every network the text does not fit."""
    result = []
    for network in networks:
        count = count_chars(network, text, link_url, with_media=with_media)
        if count > LIMITS[network]:
            result.append((network, count, LIMITS[network]))
    return result
