"""The library's CSV export neutralises formulas; its import takes them back unchanged."""

from __future__ import annotations

import csv
import io
import json

from content_library import importexport

FORMULA = '=HYPERLINK("https://evil.example","Click")'


def test_csv_export_neutralises_formulas_and_import_restores_them(db_session, library):
    library.approved(title=FORMULA, text="@BankFR -5 % this week", tags=["+tag"],
                     campaign="-campaign")
    db_session.flush()
    out = importexport.export_items(db_session, actor=library.curator, fmt="csv")
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["title"] == "'" + FORMULA
    assert row["text"] == "'@BankFR -5 % this week"
    assert row["tags"] == "'+tag" and row["campaign"] == "'-campaign"
    ((_, parsed),) = importexport.parse_file("library.csv", out.encode())
    assert parsed["title"] == FORMULA and parsed["text"] == "@BankFR -5 % this week"
    assert parsed["tags"] == "+tag"


def test_json_export_stays_raw(db_session, library):
    library.approved(title=FORMULA)
    db_session.flush()
    (row,) = json.loads(importexport.export_items(db_session, actor=library.curator,
                                                  fmt="json"))
    assert row["title"] == FORMULA
    ((_, parsed),) = importexport.parse_file("library.json", json.dumps([row]).encode())
    assert parsed["title"] == FORMULA


def test_a_hand_made_csv_keeps_a_quote_not_followed_by_a_formula(db_session, library):
    content = "title,text,networks\n'Tis the season,\"'quoted' text\",linkedin\n"
    ((_, parsed),) = importexport.parse_file("items.csv", content.encode())
    assert parsed["title"] == "'Tis the season" and parsed["text"] == "'quoted' text"
