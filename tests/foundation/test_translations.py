"""The French catalogue is complete: every string in the code and templates has a translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from advisor_hub import ROOT

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "_l": None,
            "lazy_gettext": None, "lazy_ngettext": (1, 2)}
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
CATALOGUES = sorted(ROOT.glob("*/translations")) + sorted(ROOT.glob("advisor_hub/*/translations"))


def _package_of(catalogue: Path) -> Path:
    return catalogue.parent


def _source_ids(package: Path, nested: set[Path]) -> set[str]:
    ids = set()
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(package), METHODS, keywords=KEYWORDS
    ):
        if any((package / filename).is_relative_to(n) for n in nested):
            continue  # a sub-package with its own catalogue
        ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=[str(c.relative_to(ROOT))
                                                        for c in CATALOGUES])
def test_french_catalogue_is_complete(catalogue: Path) -> None:
    package = _package_of(catalogue)
    nested = {c.parent for c in CATALOGUES if c.parent != package
              and c.parent.is_relative_to(package)}
    with (catalogue / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        po = read_po(handle)
    translated = {}
    for message in po:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        done = message.string if isinstance(message.string, str) else all(message.string)
        translated[key] = bool(done) and not message.fuzzy
    missing = sorted(i for i in _source_ids(package, nested) if not translated.get(i))
    assert not missing, f"untranslated in {catalogue}: {missing}"
