"""CSV cells that a spreadsheet cannot run as formulas (OWASP "CSV Injection").

Excel, LibreOffice and Google Sheets evaluate a cell that starts with ``=``, ``+``, ``-`` or
``@`` (and some do after a leading tab, carriage return or spaces): "=HYPERLINK(...)" typed
into a post would run on the machine of whoever opens an export. OWASP's rule: such a cell
gets a single quote in front, so it is shown as text. Every CSV this product writes goes
through `writer` or `dict_writer`; JSON exports stay raw (no spreadsheet reads them).

Numbers are left alone (-3 is a number, not a formula); only strings are neutralised.

Reading back our own files, `restore_cell` removes exactly the quote `safe_cell` added. So
that this is lossless, a cell that already starts with quotes before a trigger ("'=x")
gets one more ("''=x"), and `restore_cell` removes one quote only when quotes are followed
by a trigger. A file from elsewhere whose cell really starts with "'=" loses that quote.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any, Final, Protocol

TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
_QUOTE: Final = "'"


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def _triggers(text: str) -> bool:
    body = text.lstrip(_QUOTE)
    return body.startswith(TRIGGERS) or body.lstrip(" \n").startswith(TRIGGERS[:4])


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet evaluates."""
    if isinstance(value, str) and value and _triggers(value):
        return _QUOTE + value
    return value


def restore_cell(value: str) -> str:
    """Undo `safe_cell` on a cell read from a CSV file."""
    if value.startswith(_QUOTE) and _triggers(value):
        return value[1:]
    return value


class SafeWriter:
    """`csv.writer` whose every cell goes through `safe_cell`."""

    def __init__(self, out: _Writable, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """`csv.DictWriter` whose every cell goes through `safe_cell` (the header too)."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: safe_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for rowdict in rowdicts:
            self.writerow(rowdict)


def writer(out: _Writable, **options: Any) -> SafeWriter:
    return SafeWriter(out, **options)


def dict_writer(out: _Writable, fieldnames: Iterable[str], **options: Any) -> SafeDictWriter:
    return SafeDictWriter(out, fieldnames=list(fieldnames), **options)
