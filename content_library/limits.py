"""Per-network character limits and counting.

Kept in ONE place so it can be swapped for ``advisor_hub.networks`` (``count_chars``) when that
lands on main. static/js/library.js mirrors these rules for the live counter.
"""

from __future__ import annotations

import re

LIMITS = {"linkedin": 3000, "facebook": 63206, "x": 280, "sandbox": 3000}
NETWORKS = ("linkedin", "facebook", "x", "sandbox")
NETWORK_LABELS = {"linkedin": "LinkedIn", "facebook": "Facebook", "x": "X", "sandbox": "Sandbox"}
X_URL_LENGTH = 23
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)


def count_chars(network: str, text: str, link_url: str | None = None) -> int:
    """Characters the network counts for ``text`` (X: every URL counts 23, and a link not in
    the text is appended to it)."""
    if network == "x":
        if link_url and link_url not in text:
            text = f"{text}\n\n{link_url}" if text else link_url
        return len(URL_RE.sub("u" * X_URL_LENGTH, text))
    return len(text)


def over_limit(networks: list[str], text: str, link_url: str | None = None
               ) -> list[tuple[str, int, int]]:
    """(network, count, limit) for every network the text does not fit."""
    result = []
    for network in networks:
        count = count_chars(network, text, link_url)
        if count > LIMITS[network]:
            result.append((network, count, LIMITS[network]))
    return result
