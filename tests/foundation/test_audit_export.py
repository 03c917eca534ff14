"""The audit trail as CSV: the page's filters, formula-safe cells, admins only (the service
checks the role too), a reversed date range refused instead of exporting everything."""

from __future__ import annotations

import csv
import io

import pytest

from advisor_hub.audit import services
from advisor_hub.audit.services import record
from advisor_hub.errors import PermissionDenied


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_admin_downloads_the_filtered_trail(client, auth, factory, db_session) -> None:
    admin = factory.user("admin")
    advisor = factory.user("advisor", first_name="Zoé")
    record(db_session, advisor, "test.formula", ("posts", 7), after={"text": "=HYPERLINK(1)"})
    db_session.flush()
    auth.login(admin)
    response = client.get(f"/admin/audit/export.csv?user={advisor.id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = _rows(response)
    assert header == list(services.EXPORT_COLUMNS)
    ours = [r for r in rows if r[5] == "test.formula"]
    assert len(ours) == 1 and all(r[2] == str(advisor.id) for r in rows)
    row = dict(zip(header, ours[0], strict=True))
    assert row["actor_name"] == advisor.full_name and row["subject_id"] == "7"
    assert row["after"] == '{"text": "=HYPERLINK(1)"}'  # inside JSON: not a formula cell
    record(db_session, advisor, "=cmd|' /C calc'!A0", ("posts", 8))
    db_session.flush()
    cells = [c for r in _rows(client.get("/admin/audit/export.csv")) for c in r]
    assert "'=cmd|' /C calc'!A0" in cells and "=cmd|' /C calc'!A0" not in cells


def test_a_reversed_range_is_refused(client, auth, factory) -> None:
    auth.login(factory.user("admin"))
    response = client.get("/admin/audit/export.csv?date_from=2026-12-10&date_to=2026-12-01")
    assert response.status_code == 400


def test_the_page_links_to_the_export_with_its_filters(client, auth, factory) -> None:
    auth.login(factory.user("admin", language="fr"))
    page = client.get("/admin/audit?action=user.login").get_data(as_text=True)
    assert 'href="/admin/audit/export.csv?action=user.login"' in page
    assert "Télécharger en CSV" in page


def test_the_service_checks_the_role(db_session, factory) -> None:
    with pytest.raises(PermissionDenied):
        next(services.export_events(db_session, actor=factory.user("compliance"),
                                    filters=services.AuditFilter()))
