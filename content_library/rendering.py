"""Safe placeholder substitution: ``{name}`` only; ``{{`` and ``}}`` are literal braces.

A tiny parser, not Jinja and not ``str.format``: no attribute access, no indexing, no
expressions. A placeholder not in the allowed set, or malformed braces, is an error found at
save time; a placeholder without a value is an error at render time (never sent literally).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from content_library.errors import RenderError

NAME_RE = re.compile(r"[a-z][a-z0-9_]*\Z")

ITEM_PLACEHOLDERS = ("advisor_first_name", "advisor_last_name", "branch_name", "branch_city")
TEMPLATE_PLACEHOLDERS = ("client_first_name", "advisor_first_name", "advisor_last_name",
                         "branch_name")


# Personalisation values (issue 11, point 1): a value is put into a message that may be
# published without a human reading it, so it must be a short plain name, never text of its
# own. Names: letters of any script (Unicode L*, with their combining marks M*), spaces,
# hyphens and apostrophes. Branch names and cities may also hold digits ("Paris 8e") and a
# few punctuation marks, but nothing that makes a link (no ":", "/", "@", "." inside a word).
NAME_PLACEHOLDERS = frozenset({"client_first_name", "advisor_first_name", "advisor_last_name"})
NAME_MAX = 40
LABEL_MAX = 80
_APOSTROPHES = frozenset("'\u2019\u02bc")  # ' ’ ʼ
_HYPHENS = frozenset("-\u2010\u2011")  # - ‐ ‑
_LABEL_MARKS = frozenset("&(),.")
_DOT_IN_WORD = re.compile(r"\.\S")

_VALUE_LABELS = {
    "client_first_name": _l("The client's first name"),
    "advisor_first_name": _l("The first name in your profile"),
    "advisor_last_name": _l("The last name in your profile"),
    "branch_name": _l("Your branch's name"),
    "branch_city": _l("Your branch's city"),
}


def _name_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM" or char == " " or char in _APOSTROPHES \
        or char in _HYPHENS


def _label_char(char: str) -> bool:
    return _name_char(char) or unicodedata.category(char) == "Nd" or char in _LABEL_MARKS


def clean_value(name: str, value: object) -> str:
    """The value of placeholder ``name`` as it may go into a message (NFC, single spaces), or
    RenderError (``field=name``): a name is letters, spaces, hyphens and apostrophes, at most
    NAME_MAX characters, starting with a letter; no digits, links, markup or control
    characters. Every entry point (form, query string, JSON, profile data) meets this check,
    because rendering calls it for every value."""
    what = _VALUE_LABELS.get(name, name)
    text = unicodedata.normalize("NFC", str(value if value is not None else ""))
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
           for c in text):
        raise RenderError(_l("%(what)s contains control or invisible characters; type it "
                             "again as plain letters.", what=what), field=name)
    text = " ".join("".join(" " if unicodedata.category(c) == "Zs" else c
                            for c in text).split())
    if not text:
        raise RenderError(_l("A value is missing for {%(name)s}.", name=name), field=name)
    if name in NAME_PLACEHOLDERS:
        if len(text) > NAME_MAX or not all(_name_char(c) for c in text) \
                or unicodedata.category(text[0])[0] != "L":
            raise RenderError(_l("%(what)s must be a plain name: letters, spaces, hyphens and "
                                 "apostrophes only, at most %(max)d characters (no digits, "
                                 "links or markup).", what=what, max=NAME_MAX), field=name)
        return text
    if len(text) > LABEL_MAX or not all(_label_char(c) for c in text) \
            or _DOT_IN_WORD.search(text) or unicodedata.category(text[0])[0] not in "LN":
        raise RenderError(_l("%(what)s cannot go into a message: it may only contain "
                             "letters, digits, spaces, hyphens and apostrophes, at most "
                             "%(max)d characters. Ask an administrator to correct it.",
                             what=what, max=LABEL_MAX), field=name)
    return text


@dataclass(frozen=True)
class Placeholder:
    name: str


def parse(text: str) -> list[str | Placeholder]:
    """Split text into literal strings and placeholders; RenderError on malformed braces."""
    parts: list[str | Placeholder] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "{":
            if text.startswith("{{", i):
                literal.append("{")
                i += 2
                continue
            end = text.find("}", i + 1)
            if end == -1:
                raise RenderError(_l("A “{” is not closed. Write “{{” for a literal brace."))
            name = text[i + 1:end]
            if not NAME_RE.match(name):
                raise RenderError(_l("“{%(name)s}” is not a valid placeholder. Write “{{” and "
                                     "“}}” for literal braces.", name=name[:40]))
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(Placeholder(name))
            i = end + 1
        elif char == "}":
            if text.startswith("}}", i):
                literal.append("}")
                i += 2
                continue
            raise RenderError(_l("A “}” has no matching “{”. Write “}}” for a literal brace."))
        else:
            literal.append(char)
            i += 1
    if literal:
        parts.append("".join(literal))
    return parts


def placeholders_in(text: str) -> list[str]:
    return [p.name for p in parse(text) if isinstance(p, Placeholder)]


def check_placeholders(text: str, allowed: Iterable[str]) -> list[str]:
    """The placeholders used, or RenderError for a malformed or not-allowed one (save time)."""
    allowed_set = set(allowed)
    used = placeholders_in(text)
    for name in used:
        if name not in allowed_set:
            if allowed_set:
                raise RenderError(_l("Unknown placeholder {%(name)s}. Allowed here: %(allowed)s.",
                                     name=name, allowed=", ".join(
                                         "{" + a + "}" for a in sorted(allowed_set))))
            raise RenderError(_l("Unknown placeholder {%(name)s}: this text allows none.",
                                 name=name))
    return used


def render_placeholders(text: str, values: dict[str, str], allowed: Iterable[str]) -> str:
    """Substitute allowed placeholders with their values (each checked by ``clean_value``);
    RenderError on anything else."""
    allowed_set = set(allowed)
    out: list[str] = []
    for part in parse(text):
        if isinstance(part, str):
            out.append(part)
            continue
        if part.name not in allowed_set:
            raise RenderError(_l("Unknown placeholder {%(name)s}.", name=part.name))
        value = values.get(part.name)
        if value is None or not str(value).strip():
            raise RenderError(_l("A value is missing for {%(name)s}.", name=part.name),
                              field=part.name)
        out.append(clean_value(part.name, value))
    return "".join(out)


def escape_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")
