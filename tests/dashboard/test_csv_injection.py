"""Dashboard CSV tables neutralise cells a spreadsheet would run as formulas."""

from __future__ import annotations

import csv
import io

from tests.dashboard.dataset import build

NOVEMBER = "date_from=2026-11-01&date_to=2026-11-30"


def test_branch_named_like_a_formula_is_neutralised(client, auth, db_session, factory):
    data = build(db_session, factory)
    for user in data.users.values():
        user.time_zone = "UTC"
    data.lyon.name = "=cmd|' /C calc'!A0"
    db_session.flush()
    auth.login(data.users["marketing"])
    response = client.get(f"/dashboard/adoption.csv?{NOVEMBER}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    names = [row[0] for row in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
