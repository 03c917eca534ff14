"""Library texts: control characters and markup hidden in entities are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from advisor_hub.text import UnsafeText
from content_library import importexport, services
from content_library.models import LibraryItem
from tests.library.conftest import fields


def _nested(text: str, depth: int) -> str:
    for _ in range(depth):
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


@pytest.mark.parametrize("overrides", [
    {"text": "Guaran\x00teed returns"},
    {"title": "Title\x1b[31m"},
    {"text": "Hello " + _nested('<img src=x onerror="alert(1)">', 12)},
    {"campaign": _nested("<script>x()</script>", 10)},
])
def test_unsafe_text_is_refused_and_nothing_is_stored(db_session, library, overrides):
    before = db_session.scalar(select(func.count(LibraryItem.id)))
    with pytest.raises(UnsafeText):
        services.create_item(db_session, actor=library.curator, fields=fields(**overrides))
    assert db_session.scalar(select(func.count(LibraryItem.id))) == before


def test_import_reports_the_line_with_a_control_character(db_session, library):
    content = "title,text,networks\nGood,Fine text,linkedin\nBad,Nul\x00here,linkedin\n"
    rows = importexport.parse_file("items.csv", content.encode())
    with pytest.raises(importexport.ImportFailed) as failed:
        importexport.import_items(db_session, actor=library.curator, rows=rows)
    assert [line for line, _ in failed.value.errors] == [3]
    assert "control" in failed.value.errors[0][1]
