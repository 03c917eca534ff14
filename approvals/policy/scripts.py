"""Spoofing checks: words mixing alphabets, and bidi controls that reorder what is shown.

Both send a text to review (flag). They run only on texts that hold a character of
`WATCHED`, which the normaliser notes while folding (those characters are beyond Latin-1, so
they are folded one by one anyway): English and French prose costs nothing here.

* Mixed script: a word with letters of two of Latin, Cyrillic, Greek, Armenian and Cherokee
  ("guаranteed" with a Cyrillic "а") is how look-alike spellings are made. Accented Latin
  letters ("é", "ç", "œ") are Latin; a word wholly in another alphabet is not mixed.
* Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) change the order in
  which characters are displayed: "\u202edeetnaraug" is shown as "guaranteed". The marks
  (U+200E, U+200F, U+061C) are normal in Arabic and Hebrew and are only dropped by folding.
  `visual_order` gives the text as displayed, so the lexicon can read it that way too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Final

from .findings import FLAG, N_, Finding

MSG_MIXED_SCRIPT: Final = N_(
    '"%(word)s" mixes letters of different alphabets: look-alike letters can hide a word '
    "from screening"
)
MSG_BIDI: Final = N_(
    "Invisible characters change the order in which this text is displayed: a reviewer must "
    "read it"
)

LATIN: Final = "Latin"
# Scripts whose letters imitate Latin ones (UTS #39 singles out Cyrillic, Greek and Cherokee
# as the usual sources of look-alikes; Armenian has "օ", "ս", "հ").
_SCRIPT_BY_NAME: Final = {
    "LATIN": LATIN, "CYRILLIC": "Cyrillic", "GREEK": "Greek", "COPTIC": "Greek",
    "ARMENIAN": "Armenian", "CHEROKEE": "Cherokee",
}
_BLOCKS: Final = (
    (0x0370, 0x03FF), (0x1F00, 0x1FFF), (0x2C80, 0x2CFF),  # Greek, Greek Extended, Coptic
    (0x0400, 0x052F), (0x1C80, 0x1C8F), (0x2DE0, 0x2DFF), (0xA640, 0xA69F),  # Cyrillic
    (0x0530, 0x058F), (0xFB13, 0xFB17),  # Armenian
    (0x13A0, 0x13FF), (0xAB70, 0xABBF),  # Cherokee
)
OPENERS: Final = frozenset("\u202a\u202b\u202d\u202e\u2066\u2067\u2068")
CLOSERS: Final = frozenset("\u202c\u2069")
_RLO: Final = "\u202e"
_PARAGRAPH_ENDS: Final = frozenset("\n\r\u2029\x1c\x1d\x1e\x85")
_STRUCTURE: Final = re.compile(
    "[" + "".join(sorted(OPENERS | CLOSERS | _PARAGRAPH_ENDS)) + "]")


@lru_cache(maxsize=4096)
def script_of(char: str) -> str | None:
    """The script of a letter among those this module watches (None for anything else)."""
    if char.isascii():
        return LATIN if char.isalpha() else None
    if not unicodedata.category(char).startswith("L"):
        return None
    return _SCRIPT_BY_NAME.get(unicodedata.name(char, "").split(" ", 1)[0])


def _watched() -> frozenset[str]:
    letters = {
        chr(cp) for start, end in _BLOCKS for cp in range(start, end + 1)
        if script_of(chr(cp)) not in (None, LATIN)
    }
    return frozenset(letters | OPENERS | CLOSERS)


WATCHED: Final = _watched()


def _in_word(char: str) -> bool:
    # Marks and invisible characters do not split a word ("guar\u200banteed" is one word).
    return char.isalnum() or unicodedata.category(char)[0] in "MC" and not char.isspace()


def mixed_script_words(text: str, watched: Sequence[int]) -> list[Finding]:
    """A finding per word that mixes the letters of several watched scripts."""
    findings: list[Finding] = []
    done_until = -1
    size = len(text)
    for i in watched:
        if i < done_until or script_of(text[i]) is None:
            continue
        start, end = i, i + 1
        while start > 0 and _in_word(text[start - 1]):
            start -= 1
        while end < size and _in_word(text[end]):
            end += 1
        done_until = end
        scripts = {s for c in text[start:end] if (s := script_of(c))}
        if len(scripts) < 2:
            continue
        # The span starts and ends on a visible character.
        while not text[start].isalnum():
            start += 1
        while not text[end - 1].isalnum():
            end -= 1
        word = "".join(c for c in text[start:end] if unicodedata.category(c) != "Cf")
        names = sorted(scripts, key=lambda s: (s != LATIN, s))
        findings.append(Finding("unicode:mixed-script", FLAG, start, end, MSG_MIXED_SCRIPT,
                                {"word": word, "scripts": ", ".join(names)}))
    return findings


def bidi_controls(text: str, watched: Sequence[int]) -> list[Finding]:
    """One finding per run opened by an embedding, override or isolate character."""
    findings: list[Finding] = []
    size = len(text)
    for i in watched:
        if text[i] not in OPENERS:
            continue
        end = i + 1
        while end < size and text[end] not in CLOSERS and text[end] not in _PARAGRAPH_ENDS:
            end += 1
        if end < size and text[end] in CLOSERS:
            end += 1
        while end - 1 > i and text[end - 1].isspace():
            end -= 1
        findings.append(Finding("unicode:bidi", FLAG, i, end, MSG_BIDI, {}))
    return findings


def has_override(text: str, watched: Sequence[int]) -> bool:
    return any(text[i] == _RLO for i in watched)


def visual_order(text: str) -> tuple[str, list[int]]:
    """The text as displayed, without its bidi controls, and each character's offset in
    ``text``.

    Only right-to-left overrides reverse Latin letters, so only they are applied: an
    override runs to its PDF (U+202C) or PDI, or to the end of the paragraph; inside it,
    characters and nested runs are shown in reverse order. (Full UBA reordering of Arabic
    or Hebrew is not needed to read Latin words.)
    """
    # Items: a range of plain characters, or a nested run (reversed?, items).
    root: list[range | tuple[bool, list[Any]]] = []
    stack: list[list[Any]] = [root]
    last = 0
    for mark in _STRUCTURE.finditer(text):
        index = mark.start()
        if index > last:
            stack[-1].append(range(last, index))
        last = index + 1
        char = mark.group()
        if char in OPENERS:
            run: list[Any] = []
            stack[-1].append((char == _RLO, run))
            stack.append(run)
        elif char in CLOSERS:
            if len(stack) > 1:
                stack.pop()
        else:  # end of paragraph: every run ends
            del stack[1:]
            root.append(range(index, index + 1))
    if last < len(text):
        stack[-1].append(range(last, len(text)))
    parts: list[str] = []
    order: list[int] = []
    _flatten(text, root, False, parts, order)
    return "".join(parts), order


def _flatten(text: str, items: list[Any], reverse: bool, parts: list[str],
             order: list[int]) -> None:
    for item in reversed(items) if reverse else items:
        if isinstance(item, range):
            chunk = text[item.start:item.stop]
            if reverse:
                parts.append(chunk[::-1])
                order.extend(reversed(item))
            else:
                parts.append(chunk)
                order.extend(item)
        else:
            rtl, run = item
            _flatten(text, run, rtl, parts, order)
