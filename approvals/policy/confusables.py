"""Look-alike letters, per Unicode Technical Standard #39 ("Unicode Security Mechanisms").

The data is Unicode's own ``confusables.txt`` (see ``data/README.md``: version, source,
licence), read once at import. UTS #39 defines the *skeleton* of a string: NFD, then every
character replaced by its prototype from the file, then NFD again; two strings look alike
when their skeletons are equal.

The policy normaliser does not take the skeleton of whole texts: that would fold "m" to
"rn" and "0" to "O" in every post, and slow down the common case. It folds one character
at a time, and only characters beyond Latin-1 (plus a few Latin-1 symbols, see
`LATIN1_LOOKALIKES`): `latin_lookalike` gives the Latin-1 text that has the same skeleton
("а" Cyrillic -> "a", "і" Ukrainian -> "i", "ԁ" -> "d"), so a lexicon term written with
look-alike letters folds to the term itself.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Final

DATA_FILE: Final = Path(__file__).with_name("data") / "confusables.txt"
_VERSION = re.compile(r"^#\s*Version:\s*(\S+)", re.MULTILINE)
_ENTRY = re.compile(r"^([0-9A-F]{4,6})\s*;\s*([0-9A-F]{4,6}(?: [0-9A-F]{4,6})*)\s*;", re.MULTILINE)


def _load(path: Path = DATA_FILE) -> tuple[str, dict[str, str]]:
    """(Unicode version, source character -> prototype) from a ``confusables.txt``."""
    content = path.read_text(encoding="utf-8-sig")
    version = _VERSION.search(content)
    prototypes = {
        chr(int(source, 16)): "".join(chr(int(cp, 16)) for cp in target.split())
        for source, target in _ENTRY.findall(content)
    }
    if not version or len(prototypes) < 1000:
        # Fail closed at import: screening without the data would let look-alikes through.
        raise RuntimeError(f"{path} is not a Unicode confusables.txt file")
    return version.group(1), prototypes


UNICODE_VERSION, PROTOTYPES = _load()


def skeleton(text: str) -> str:
    """The UTS #39 skeleton of ``text`` (equal skeletons = the strings look alike)."""
    decomposed = unicodedata.normalize("NFD", text)
    mapped = "".join(PROTOTYPES.get(char, char) for char in decomposed)
    return unicodedata.normalize("NFD", mapped)


def _latin1_by_skeleton() -> dict[str, str]:
    """Skeleton -> the Latin-1 character to fold to, for every printable Latin-1 character.

    Several share a skeleton ("l", "I", "1" and "|" are all "l"): a lower-case letter wins,
    then any letter, then a digit, then the rest, so "ӏ" folds to "l", not to "|".
    """
    def rank(char: str) -> tuple[int, int]:
        if char.isalpha():
            return (0 if char.islower() else 1, ord(char))
        return (2 if char.isdigit() else 3, ord(char))

    table: dict[str, str] = {}
    for char in sorted((chr(b) for b in range(0x21, 0x100) if chr(b).isprintable()), key=rank):
        table.setdefault(skeleton(char), char)
    return table


_LATIN1_BY_SKELETON: Final = _latin1_by_skeleton()


@lru_cache(maxsize=4096)
def latin_lookalike(char: str) -> str | None:
    """The Latin-1 text that ``char`` looks like per UTS #39, or None.

    A whole match first ("ｍ"-like characters whose skeleton is "rn" give "m"), else each
    character of the skeleton on its own ("ǆ"-like sequences); None when any part of the
    skeleton has no Latin-1 look-alike (most letters of other scripts: "ж", "ש", "中").
    """
    if ord(char) < 0x100:
        return None
    target = skeleton(char)
    if target == unicodedata.normalize("NFD", char):
        return None  # its own prototype: it looks like nothing else
    whole = _LATIN1_BY_SKELETON.get(target)
    if whole is not None:
        return whole
    parts = [_LATIN1_BY_SKELETON.get(c) for c in target
             if not unicodedata.category(c).startswith("M")]
    if parts and all(p is not None for p in parts):
        return "".join(parts)  # type: ignore[arg-type]
    return None


# Latin-1 symbols (not letters, not ASCII) that read as an ASCII letter: "¡" as "i", "×" as
# "x". ASCII itself is left alone: "0" and "1" stay digits (the PII detectors need them) and
# "m" stays "m".
LATIN1_LOOKALIKES: Final = {
    chr(b): _LATIN1_BY_SKELETON[skeleton(chr(b))]
    for b in range(0xA1, 0x100)
    if not chr(b).isalpha() and chr(b).isprintable()
    and skeleton(chr(b)) in _LATIN1_BY_SKELETON
    and _LATIN1_BY_SKELETON[skeleton(chr(b))].isascii()
    and _LATIN1_BY_SKELETON[skeleton(chr(b))].isalpha()
}
