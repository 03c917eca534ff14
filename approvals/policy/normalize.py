"""Text folding for matching, with a map from folded offsets back to the original text.

Folding = NFKD, drop combining marks, casefold, typographic apostrophes and hyphens to ASCII,
look-alike letters of other scripts to the Latin letter they imitate (UTS #39 confusables:
Cyrillic "а" -> "a", see `confusables`), invisible characters (zero-width, bidi controls,
control characters) dropped, any whitespace run to one space. It changes lengths ("ß" -> "ss",
"ﬁ" -> "fi", "e\u0301" -> "e", "a \n b" -> "a b"), so `Normalized` keeps enough to turn a
folded span back into the span of the original characters that produced it.

Speed matters (this runs on every text), so nothing here loops over characters in Python except
over the rare ones: the text is encoded to Latin-1 (anything else becomes "?") and folded with
`bytes.translate`, both in C; only characters beyond Latin-1, "?" and those that do not fold to
one Latin-1 character ("ß", soft hyphen...) are then folded one by one.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from functools import lru_cache
from typing import Final

from .confusables import latin_lookalike
from .scripts import WATCHED

_APOSTROPHES = "\u2019\u2018\u201b\u02bc\u02b9\u2032\u00b4\u0060\uff07"
_HYPHENS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d\u00ad"
_SPECIAL = {ord(c): "'" for c in _APOSTROPHES} | {ord(c): "-" for c in _HYPHENS}
_SPECIAL[0x00AD] = ""  # soft hyphen: invisible, drop it ("guaran\xadteed" is "guaranteed")

_SPACE = " "
_SENTINEL: Final = 0  # in the Latin-1 fast path: "fold this character in Python"


@lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    """Fold one character; the result may be empty (marks) or longer than one ("ß" -> "ss")."""
    if ord(char) in _SPECIAL:
        return _SPECIAL[ord(char)]
    if char.isspace():
        return " "
    if unicodedata.category(char) in ("Cf", "Cc"):
        # Invisible: zero-width characters, BOM, bidi marks and overrides, NUL and other
        # control characters ("guaran\u200bteed" is "guaranteed").
        return ""
    out = _fold_plain(char)
    if out.isascii():
        return out
    # Casefolded first, so that capitals fold as their small letter does (Cyrillic "І" is
    # "і", which looks like "i"; its own prototype would be "l").
    return "".join(_fold_plain(lookalike) if (lookalike := latin_lookalike(c)) else c
                   for c in out)


def _fold_plain(char: str) -> str:
    out = unicodedata.normalize("NFKD", char).casefold()
    # casefold can reintroduce decomposable or special characters ("İ" -> "i̇"), hence again.
    out = unicodedata.normalize("NFKD", out)
    out = "".join(c for c in out if not unicodedata.category(c).startswith("M"))
    out = out.translate(_SPECIAL)
    return "".join(" " if c.isspace() else c for c in out)


def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


def _latin1_table() -> bytes:
    """Byte -> folded byte for the Latin-1 characters that fold to one Latin-1 character.

    The others ("ß", "¼", soft hyphen...), NUL, and "?" (what `encode(..., "replace")` puts
    for any character beyond Latin-1) map to the sentinel and are folded one by one.
    """
    table = bytearray(256)
    for byte in range(256):
        out = fold_char(chr(byte))
        if byte not in (_SENTINEL, ord("?")) and len(out) == 1 and ord(out) < 256:
            table[byte] = ord(out)
        else:
            table[byte] = _SENTINEL
    return bytes(table)


_LATIN1_TABLE: Final = _latin1_table()


class Normalized:
    """A folded text plus the map back to the original.

    The map is stored as segments, not per character, so building it costs nothing for the
    common case (ASCII, or accents that fold 1:1) and little otherwise.

    ``view`` is a by-product for cheap prefilters: one byte per *original* character (so its
    offsets are the original's), the Latin-1 fold of that character, or 0 for the others.
    ASCII letters are lower-cased and whitespace is b" " in it.

    ``watched`` lists the offsets of the characters `scripts.WATCHED` names (letters of
    scripts with Latin look-alikes, bidi embeddings and overrides), found at no extra cost
    since they are beyond Latin-1: the engine checks those texts for spoofing.
    """

    __slots__ = ("original", "text", "view", "watched", "_len1", "_seg_norm", "_seg_orig",
                 "_seg_end", "_seg_linear", "_ws_norm", "_ws_src")

    def __init__(self, original: str) -> None:
        self.original = original
        # Stage 1: per-character folding.  Segments: folded start, original start, original end
        # (extended over trailing combining marks), and whether the segment is 1:1 ("linear").
        self._seg_norm: list[int] | None = None
        self._seg_orig: list[int] = []
        self._seg_end: list[int] = []
        self._seg_linear: list[bool] = []
        folded = self._fold(original)
        # Stage 2: collapse whitespace runs; the map is a list of linear segments.
        self._ws_norm: list[int] | None = None
        self._ws_src: list[int] = []
        self._len1 = len(folded)
        if "  " in folded:
            folded = self._collapse_spaces(folded)
        self.text = folded

    def _fold(self, original: str) -> str:
        # Latin-1 covers English and French prose: one encode and one bytes.translate fold it
        # in C. Everything else (sentinel bytes) is folded one character at a time.
        folded_bytes = original.encode("latin-1", "replace").translate(_LATIN1_TABLE)
        self.view = folded_bytes
        self.watched: list[int] = []
        i = folded_bytes.find(_SENTINEL)
        base = folded_bytes.decode("latin-1")
        if i == -1:
            return base
        watched = self.watched
        parts: list[str] = []
        seg_norm: list[int] = []
        seg_orig, seg_end, seg_linear = self._seg_orig, self._seg_end, self._seg_linear
        npos = 0  # folded length so far
        run_norm = run_orig = 0  # start of the current linear segment
        identity = True  # no length change so far: offsets equal
        last = 0

        def close_linear(orig_pos: int) -> None:
            if orig_pos > run_orig:
                seg_norm.append(run_norm)
                seg_orig.append(run_orig)
                seg_end.append(orig_pos)
                seg_linear.append(True)

        while i != -1:
            parts.append(base[last:i])
            npos += i - last
            last = i + 1
            char = original[i]
            if char in WATCHED:
                watched.append(i)
            out = fold_char(char)
            if len(out) == 1:
                parts.append(out)
                npos += 1
            else:
                identity = False
                close_linear(i)
                if out:
                    seg_norm.append(npos)
                    seg_orig.append(i)
                    seg_end.append(i + 1)
                    seg_linear.append(False)
                    parts.append(out)
                    npos += len(out)
                elif seg_end and seg_end[-1] == i and _is_mark(char):
                    # A combining mark belongs to the character before it: a span ending on
                    # that character must include its accent.
                    seg_end[-1] = i + 1
                run_norm, run_orig = npos, i + 1
            i = folded_bytes.find(_SENTINEL, last)
        parts.append(base[last:])
        if not identity:
            close_linear(len(original))
            self._seg_norm = seg_norm
        return "".join(parts)

    def _collapse_spaces(self, folded: str) -> str:
        ws_norm, ws_src = [0], [0]
        parts: list[str] = []
        last = removed = 0
        size = len(folded)
        i = folded.find("  ")
        while i != -1:
            j = i + 2
            while j < size and folded[j] == _SPACE:
                j += 1
            parts.append(folded[last:i + 1])
            removed += j - i - 1
            last = j
            ws_norm.append(last - removed)
            ws_src.append(last)
            i = folded.find("  ", j)
        parts.append(folded[last:])
        self._ws_norm, self._ws_src = ws_norm, ws_src
        return "".join(parts)

    def _stage1_index(self, k: int) -> int:
        """Folded index (after whitespace collapse) -> folded index before the collapse."""
        if self._ws_norm is None:
            return k
        seg = bisect_right(self._ws_norm, k) - 1
        return self._ws_src[seg] + (k - self._ws_norm[seg])

    def to_original(self, start: int, end: int) -> tuple[int, int] | None:
        """Map the folded span ``[start, end)`` to the original text.

        Returns None when the span starts or ends inside the expansion of one original
        character (e.g. only one "s" of "ß"): such a span matches no whole original text.
        """
        if not 0 <= start < end <= len(self.text):
            return None
        s1 = self._stage1_index(start)
        e1 = self._stage1_index(end - 1) + 1
        seg_norm = self._seg_norm
        if seg_norm is None:
            return s1, e1
        i = bisect_right(seg_norm, s1) - 1
        if self._seg_linear[i]:
            orig_start = self._seg_orig[i] + (s1 - seg_norm[i])
        elif s1 != seg_norm[i]:
            return None
        else:
            orig_start = self._seg_orig[i]
        j = bisect_right(seg_norm, e1 - 1) - 1
        seg_stop = seg_norm[j + 1] if j + 1 < len(seg_norm) else self._len1
        if e1 == seg_stop:
            orig_end = self._seg_end[j]
        elif self._seg_linear[j]:
            orig_end = self._seg_orig[j] + (e1 - seg_norm[j])
        else:
            return None
        return orig_start, orig_end


def normalize(text: str) -> str:
    """Fold a text for matching (what lexicon terms and texts are compared as)."""
    return Normalized(text).text


def normalize_term(term: str) -> str:
    """Fold a lexicon term: as `normalize`, without leading or trailing space."""
    return normalize(term).strip()
