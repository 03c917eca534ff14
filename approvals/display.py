"""What the review page shows: findings as highlighted segments, a word diff, messages.

Everything here returns plain data (strings and tuples); templates build the markup with
autoescaping, so no user text is ever marked safe.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale, gettext

from approvals.models import in_language
from approvals.policy.findings import N_


@dataclass(frozen=True)
class Segment:
    text: str
    severity: str | None = None   # "block" | "flag" for a highlighted span
    messages: tuple[str, ...] = ()


def finding_message(finding: dict[str, Any]) -> str:
    """A stored finding's message in the reader's language."""
    params = {k: str(v) for k, v in (finding.get("params") or {}).items()}
    message_id = str(finding.get("message_id", ""))
    try:
        return gettext(message_id, **params)
    except (KeyError, ValueError, TypeError):
        return message_id


def finding_note(finding: Any) -> str:
    """The lexicon's note of a finding (a stored dict or a ``Finding``) in the reader's
    language ("" when there is none)."""
    if isinstance(finding, dict):
        english, french = finding.get("note"), finding.get("note_fr")
    else:
        english, french = finding.note, finding.note_fr
    return in_language(str(english or ""), str(french or ""), str(get_locale() or "en"))


def finding_text(finding: Any) -> str:
    """A finding as one sentence in the reader's language: its message, then the note."""
    as_dict = finding if isinstance(finding, dict) else finding.as_dict()
    message, note = finding_message(as_dict), finding_note(finding)
    return f"{message} ({note})" if note else message


# What lexicon_admin writes in a policy version's summary (plain text, in English, with
# codes): read back and said in the reader's language. Anything else is shown as it is.
_SUMMARIES = (
    (re.compile(r"^starter lexicon$"), "Starter lexicon"),
    (re.compile(r"^added “(?P<term>.*)” \((?P<language>\w+), (?P<severity>\w+)\)$"),
     "Added “%(term)s” (%(language)s, %(severity)s)"),
    (re.compile(r"^changed “(?P<term>.*)” \((?P<language>\w+)\): (?P<before>\w+) → "
                r"(?P<severity>\w+)$"),
     "Changed “%(term)s” (%(language)s): %(before)s → %(severity)s"),
    (re.compile(r"^removed “(?P<term>.*)” \((?P<language>\w+)\)$"),
     "Removed “%(term)s” (%(language)s)"),
    (re.compile(r"^link rule: (?P<kind>\w+) (?P<domain>\S+)$"),
     "Link rule: %(kind)s %(domain)s"),
    (re.compile(r"^link rule removed: (?P<kind>\w+) (?P<domain>\S+)$"),
     "Link rule removed: %(kind)s %(domain)s"),
)
# The msgids above, for extraction (they are translated with gettext below).
_MESSAGE_IDS = (N_("Starter lexicon"), N_("Added “%(term)s” (%(language)s, %(severity)s)"),
                N_("Changed “%(term)s” (%(language)s): %(before)s → %(severity)s"),
                N_("Removed “%(term)s” (%(language)s)"), N_("Link rule: %(kind)s %(domain)s"),
                N_("Link rule removed: %(kind)s %(domain)s"))


def version_summary(summary: str) -> str:
    """A policy version's summary in the reader's language (terms and domains as written;
    languages, severities and rule kinds by their labels)."""
    from approvals.forms import LANGUAGE_CHOICES, LINK_KIND_LABELS, SEVERITY_CHOICES

    labels = {**dict(LANGUAGE_CHOICES), **dict(SEVERITY_CHOICES), **LINK_KIND_LABELS}
    for pattern, message in _SUMMARIES:
        match = pattern.match(summary or "")
        if match:
            params = {key: str(labels.get(value, value)) if key != "term" and key != "domain"
                      else value for key, value in match.groupdict().items()}
            return gettext(message, **params)
    return summary


def highlight(text: str, findings: list[dict[str, Any]], field: str = "text") -> list[Segment]:
    """Split ``text`` into plain and highlighted segments (overlapping spans merged; the
    strongest severity wins)."""
    spans = sorted(
        (max(0, int(f["start"])), min(len(text), int(f["end"])), f)
        for f in findings if f.get("field", "text") == field
    )
    spans = [(s, e, f) for s, e, f in spans if e > s]
    segments: list[Segment] = []
    position = 0
    i = 0
    while i < len(spans):
        start, end, finding = spans[i]
        group = [finding]
        i += 1
        while i < len(spans) and spans[i][0] < end:
            end = max(end, spans[i][1])
            group.append(spans[i][2])
            i += 1
        if start > position:
            segments.append(Segment(text[position:start]))
        start = max(start, position)
        severity = "block" if any(f["severity"] == "block" for f in group) else "flag"
        segments.append(Segment(text[start:end], severity,
                                tuple(dict.fromkeys(finding_message(f) for f in group))))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """(operation, text) pairs, operation in "equal" | "delete" | "insert"."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("equal", "".join(old[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(("delete", "".join(old[i1:i2])))
        if op in ("insert", "replace"):
            out.append(("insert", "".join(new[j1:j2])))
    return out
