"""The dashboard page and its CSV tables through the client."""

from __future__ import annotations

import csv
import io

import pytest

from tests.dashboard.dataset import build

NOVEMBER = "date_from=2026-11-01&date_to=2026-11-30"


@pytest.fixture
def data(db_session, factory):
    data = build(db_session, factory)
    for user in data.users.values():
        user.time_zone = "UTC"
    db_session.flush()
    return data


def test_marketing_sees_every_branch_with_charts(client, auth, data) -> None:
    auth.login(data.users["marketing"])
    response = client.get(f"/dashboard/?{NOVEMBER}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="kpi-active">2<' in page and 'data-testid="kpi-advisors">5<' in page
    assert "<svg" in page and "Paris" in page and "Green mortgage v2" in page
    assert 'style="' not in page  # CSP: no inline styles


def test_branch_manager_sees_only_their_branch(client, auth, data) -> None:
    auth.login(data.users["manager"])
    page = client.get(f"/dashboard/?{NOVEMBER}").get_data(as_text=True)
    assert 'data-testid="kpi-advisors">3<' in page
    assert "Paris" not in page
    assert client.get(f"/dashboard/?{NOVEMBER}&branch={data.paris.id}").status_code == 403
    assert client.get(f"/dashboard/adoption.csv?branch={data.paris.id}").status_code == 403


@pytest.mark.parametrize("name", ["adoption", "sources", "library", "turnaround",
                                  "rejections", "failures", "nudges"])
def test_every_table_downloads_as_csv(client, auth, data, name) -> None:
    auth.login(data.users["reviewer"])
    response = client.get(f"/dashboard/{name}.csv?{NOVEMBER}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0]  # headers
    if name == "adoption":
        assert rows[1:] == [["Lyon", "3", "2", "1"], ["Paris", "2", "1", "1"],
                            ["ALL", "5", "3", "2"]]
    if name == "turnaround":
        assert rows[1:] == [["library_item", "2", "6.0", "7.6"], ["post", "4", "2.5", "7.9"]]


def test_unknown_table_and_bad_period(client, auth, data) -> None:
    auth.login(data.users["marketing"])
    assert client.get("/dashboard/secrets.csv").status_code == 404
    page = client.get("/dashboard/?date_from=2026-11-30&date_to=2026-11-01")
    assert page.status_code == 200
    assert "The end date must not be before the start date." in page.get_data(as_text=True)


def test_french(client, auth, data, db_session) -> None:
    data.users["marketing"].language = "fr"
    db_session.flush()
    auth.login(data.users["marketing"])
    page = client.get(f"/dashboard/?{NOVEMBER}").get_data(as_text=True)
    assert "Conseillers et prochaine étape" in page and "Relier un compte" in page
