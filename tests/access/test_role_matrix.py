"""Every route × every role (and anonymous) → the expected status code."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tests.access
from tests.access.matrix import ALL, ANON, Row


def _rows() -> list[Row]:
    rows: list[Row] = []
    for module in pkgutil.iter_modules(tests.access.__path__):
        if module.name.startswith("rows_"):
            rows.extend(importlib.import_module(f"tests.access.{module.name}").ROWS)
    return rows


ROWS = _rows()


def test_every_row_lists_every_role() -> None:
    for row in ROWS:
        assert set(row.expected) == set(ALL), row.id


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_route_access(row: Row, client, db_session, factory, auth) -> None:  # noqa: ANN001
    branch = factory.branch("Matrix branch")
    users = {role: factory.user(role, branch=branch) for role in ALL if role != ANON}
    values = row.setup(db_session, factory, users) if row.setup else {}
    db_session.flush()
    path = row.path.format(**values)
    failures = []
    for role in ALL:
        client.post("/logout")
        if role != ANON:
            assert auth.login(users[role]).status_code == 302
        response = client.open(path, method=row.method, data=row.data)
        if response.status_code != row.expected[role]:
            failures.append(f"{role}: got {response.status_code}, expected {row.expected[role]}")
    assert not failures, f"{row.id}: " + "; ".join(failures)
