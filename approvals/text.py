"""User text in the approvals package goes through the product's one sanitiser.

The bleach call lives in ``content_library.text.sanitize`` (swap it for nh3 there, once);
here it is only trimmed, since comments, notes and terms are single values.
"""

from __future__ import annotations

from content_library.text import sanitize as _plain_text


def sanitize(value: str | None) -> str:
    """Plain text (every tag and comment removed, entities decoded), trimmed."""
    return _plain_text(value).strip()
