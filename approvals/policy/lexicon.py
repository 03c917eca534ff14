"""Lexicon rules: words and phrases compliance forbids (block) or wants to see (flag).

All terms of a lexicon go into one Aho-Corasick automaton over folded text, so a text is read
once whatever the number of terms; each hit is then checked for whole-word boundaries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import ahocorasick

from .findings import BLOCK, N_, SEVERITIES, Finding, Severity
from .normalize import Normalized, normalize_term

LANGUAGES: Final = frozenset({"en", "fr", "any"})

MSG_TERM_BLOCK: Final = N_('"%(term)s" is not allowed in a post')
MSG_TERM_FLAG: Final = N_('"%(term)s" needs a compliance review')


@dataclass(frozen=True, slots=True)
class LexiconTerm:
    """One lexicon entry, as compliance keeps it (and as the app stores it)."""

    term: str
    language: str = "any"
    severity: Severity = "flag"
    note: str = ""      # English
    note_fr: str = ""   # French

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be 'block' or 'flag', not {self.severity!r}")
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be 'en', 'fr' or 'any', not {self.language!r}")
        if not normalize_term(self.term):
            raise ValueError(f"term {self.term!r} is empty once folded")

    @property
    def rule(self) -> str:
        return f"lexicon:{' '.join(self.term.split())}"


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


class LexiconMatcher:
    """The automaton for one lexicon. Immutable once built; safe to share between threads.

    ``hints`` are extra keys (no findings of their own) whose presence the same pass reports:
    the other detectors use them as prefilters ("account" before looking for account numbers,
    "http" before looking for URLs), so the text is not searched once more for each.
    """

    __slots__ = ("_automaton", "size")

    def __init__(self, terms: Iterable[LexiconTerm], hints: Iterable[str] = ()) -> None:
        by_key: dict[str, list[LexiconTerm]] = {}
        for term in terms:
            by_key.setdefault(normalize_term(term.term), []).append(term)
        self.size = sum(len(v) for v in by_key.values())
        hint_keys = set(hints)
        for hint in hint_keys:
            by_key.setdefault(hint, [])
        self._automaton: ahocorasick.Automaton | None = None
        if by_key:
            automaton = ahocorasick.Automaton()
            for key, entries in by_key.items():
                # Boundary checks only apply where the term itself starts/ends with a word
                # character ("100%" can be followed by a letter, "guaranteed" cannot).
                automaton.add_word(
                    key,
                    (
                        len(key),
                        _is_word_char(key[0]),
                        _is_word_char(key[-1]),
                        tuple(entries),
                        key if key in hint_keys else None,
                    ),
                )
            automaton.make_automaton()
            self._automaton = automaton

    def scan(
        self, norm: Normalized, language: str | None = None, hints: set[str] | None = None
    ) -> list[Finding]:
        """Lexicon findings in ``norm``; the hint keys seen are added to ``hints``."""
        if self._automaton is None or not norm.text:
            return []
        text = norm.text
        limit = len(text)
        findings: list[Finding] = []
        for end_index, (length, word_start, word_end, entries, hint) in self._automaton.iter(
            text
        ):
            if hint is not None and hints is not None:
                hints.add(hint)
            if not entries:
                continue
            start = end_index - length + 1
            end = end_index + 1
            if word_start and start > 0 and _is_word_char(text[start - 1]):
                continue
            if word_end and end < limit and _is_word_char(text[end]):
                continue
            span = norm.to_original(start, end)
            if span is None:
                continue
            for entry in entries:
                if language and entry.language not in ("any", language):
                    continue
                findings.append(
                    Finding(
                        rule=entry.rule,
                        severity=entry.severity,
                        start=span[0],
                        end=span[1],
                        message_id=MSG_TERM_BLOCK if entry.severity == BLOCK else MSG_TERM_FLAG,
                        params={"term": entry.term},
                        note=entry.note or None,
                        note_fr=entry.note_fr or None,
                    )
                )
        return findings
