"""The one place user text is cleaned of HTML (swap bleach for nh3 here, and only here)."""

from __future__ import annotations

import html

import bleach


def sanitize(value: str | None) -> str:
    """Plain text: every tag and comment removed, surrounding whitespace trimmed.

    The result is stored as plain text and always autoescaped when shown.
    """
    if not value:
        return ""
    cleaned = bleach.clean(value, tags=set(), attributes={}, strip=True, strip_comments=True)
    # bleach returns HTML-escaped text; we keep plain text (templates escape on output).
    return html.unescape(cleaned).strip()
