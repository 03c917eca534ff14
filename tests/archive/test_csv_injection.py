"""The archive's CSV export neutralises formulas; JSON Lines stay byte-exact."""

from __future__ import annotations

import csv
import io
import json

from advisor_hub.archive.export import export_records
from advisor_hub.archive.services import ArchiveFilter, append_record
from tests.archive.helpers import publication

FORMULA = "=HYPERLINK(\"https://evil.example\")"


def test_csv_cells_are_neutralised_and_jsonl_is_raw(db_session, factory):
    advisor = factory.user()
    append_record(db_session, kind="publication", payload=publication(advisor.id, text=FORMULA))
    data = b"".join(export_records(db_session, actor=None, filters=ArchiveFilter(), fmt="csv"))
    (row,) = list(csv.DictReader(io.StringIO(data.decode())))
    assert row["text"] == "'" + FORMULA
    assert json.loads(row["payload"])["text"] == FORMULA  # the payload column is JSON, "{..."
    lines = b"".join(export_records(db_session, actor=None, filters=ArchiveFilter(),
                                    fmt="jsonl")).decode().splitlines()
    assert json.loads(lines[0])["payload"]["text"] == FORMULA
