"""Plain text in, plain text out: the one sanitiser every user-typed field goes through.

Networks take plain text, so HTML typed into a field is stripped (tags and comments removed,
entities decoded, so "a < b & c" stays so). The HTML library is called in `_strip_markup`
only: swapping bleach for nh3 is a change to that function.

What cannot be made plain is refused, not guessed at (`UnsafeText`, a `ValidationError`):

* control characters (NUL, ESC, the C1 range...; tab, line feed and carriage return are
  text). They are invisible, split words for the compliance lexicon and break log lines.
* markup that is still there after one pass: entities hiding tags ("&lt;img onerror=…&gt;",
  nested to any depth) decode into new markup. Sanitised text is therefore always a fixed
  point (sanitising it again changes nothing), and nothing that would become a tag when
  decoded once more is ever stored.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Final

import bleach
from flask_babel import lazy_gettext as _l

from advisor_hub.errors import ValidationError

# Text without these is already plain (the parser would give it back unchanged).
_MAYBE_MARKUP: Final = re.compile(r"[<&\r]")
_ALLOWED_CONTROLS: Final = frozenset("\t\n\r")
# Every Cc character but tab, LF and CR: C0, DEL, C1.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class UnsafeText(ValidationError):
    """User text that cannot be turned into plain text safely; nothing was saved."""

    default_message = _l("This text contains characters that are not allowed.")


def refuse_control_characters(text: str, *, field: str | None = None) -> str:
    """``text`` unchanged, or `UnsafeText` if it holds a control character."""
    found = _CONTROL.search(text)
    if found:
        name = unicodedata.name(found.group(), "") or f"U+{ord(found.group()):04X}"
        raise UnsafeText(_l("Invisible control characters are not allowed (%(name)s found). "
                            "Retype the text or paste it as plain text.", name=name),
                         field=field)
    return text


def _strip_markup(text: str) -> str:
    """One pass: every tag and comment removed, entities decoded."""
    if not _MAYBE_MARKUP.search(text):
        return text
    return html.unescape(bleach.clean(text, tags=set(), attributes={}, strip=True,
                                      strip_comments=True))


def sanitize(text: str | None, *, field: str | None = None) -> str:
    """Plain text from user input, without surrounding whitespace.

    Raises `UnsafeText` for control characters, and for text that still holds markup after
    one pass (markup hidden in entities). ``field`` names the form field in the error.
    """
    if not text:
        return ""
    refuse_control_characters(text, field=field)
    value = _strip_markup(text)
    if value != text and _strip_markup(value) != value:
        raise UnsafeText(_l("This text hides HTML inside encoded characters (such as "
                            "&lt;). Write plain text."), field=field)
    return value.strip()
