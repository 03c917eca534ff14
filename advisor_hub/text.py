"""Plain text in, plain text out: the one check every user-typed field goes through.

Networks take plain text, and nothing typed is ever changed behind the writer's back: text
that holds markup is refused with a message, never silently stripped (a title typed as
"<script>…</script>Bad item" is refused, not saved as "…Bad item"). "a < b & c" is plain text
and stays so. The HTML library is called in `_strip_markup` only: swapping bleach for nh3 is a
change to that function.

What is refused (`UnsafeText`, a `ValidationError`, with a message in the reader's language):

* control characters (NUL, ESC, the C1 range...; tab, line feed and carriage return are
  text). They are invisible, split words for the compliance lexicon and break log lines.
* tags and comments (``<b>``, ``<script>``, ``<!-- -->``): what the parser would remove.
* character references (``&amp;``, ``&lt;``, ``&#60;``): the characters are typed as
  themselves. Entities hiding tags ("&lt;img onerror=…&gt;", nested to any depth) get a message
  of their own.

Accepted text is therefore always a fixed point: sanitising it again changes nothing, and no
pass of the HTML parser would change it either. Line ends are normalised to "\n".
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
# A character reference as the parser decodes it in text (with its semicolon; "AT&T" and
# "?a=1&copy=2" are text, as the parser leaves them).
_REFERENCE: Final = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


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


MARKUP_REFUSED: Final = _l("HTML is not allowed here; write plain text.")
ENTITY_REFUSED: Final = _l("Type characters as themselves, not as HTML codes such as &amp; or "
                           "&lt;.")
HIDDEN_MARKUP_REFUSED: Final = _l("This text hides HTML inside encoded characters (such as "
                                  "&lt;). Write plain text.")


def refuse_markup(text: str, *, field: str | None = None) -> str:
    """``text`` (line ends as "\\n"), or `UnsafeText` if it holds a tag, a comment or an
    HTML code."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not _MAYBE_MARKUP.search(text):
        return text
    decoded = _REFERENCE.sub(lambda found: html.unescape(found.group()), text)
    if decoded != text:
        hidden = _strip_markup(decoded) != decoded
        raise UnsafeText(HIDDEN_MARKUP_REFUSED if hidden else ENTITY_REFUSED, field=field)
    if _strip_markup(text) != text:
        raise UnsafeText(MARKUP_REFUSED, field=field)
    return text


def sanitize(text: str | None, *, field: str | None = None) -> str:
    """Plain text from user input, without surrounding whitespace, line ends as "\\n".

    Raises `UnsafeText` for control characters and for any markup (tags, comments, HTML
    codes): nothing is stripped or decoded silently. ``field`` names the form field in the
    error.
    """
    if not text:
        return ""
    refuse_control_characters(text, field=field)
    return refuse_markup(text, field=field).strip()
