"""Safe placeholder substitution: ``{name}`` only; ``{{`` and ``}}`` are literal braces.

A tiny parser, not Jinja and not ``str.format``: no attribute access, no indexing, no
expressions. A placeholder not in the allowed set, or malformed braces, is an error found at
save time; a placeholder without a value is an error at render time (never sent literally).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from content_library.errors import RenderError

NAME_RE = re.compile(r"[a-z][a-z0-9_]*\Z")

ITEM_PLACEHOLDERS = ("advisor_first_name", "advisor_last_name", "branch_name", "branch_city")
TEMPLATE_PLACEHOLDERS = ("client_first_name", "advisor_first_name", "advisor_last_name",
                         "branch_name")


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
    """Substitute allowed placeholders with their values; RenderError on anything else."""
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
            raise RenderError(_l("A value is missing for {%(name)s}.", name=part.name))
        out.append(str(value))
    return "".join(out)


def escape_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")
