"""Plain text in, plain text out: the one sanitiser every field goes through.

Networks take plain text, so any HTML typed into a field is stripped. Keeping this behind a
single function lets the sanitiser be swapped (bleach → nh3) in one place.
"""

from __future__ import annotations

import html

import bleach


def sanitize(text: str | None) -> str:
    """Strip every HTML tag and return plain text (entities decoded, so "a < b" stays so).

    Repeated until stable: decoding "&lt;b&gt;" yields a tag, which the next pass strips, so
    sanitising sanitised text changes nothing (export → import round-trips).
    """
    if not text:
        return ""
    value = text.replace("\x00", "")
    for _ in range(5):
        cleaned = html.unescape(bleach.clean(value, tags=set(), attributes={}, strip=True,
                                             strip_comments=True))
        if cleaned == value:
            break
        value = cleaned
    return value
