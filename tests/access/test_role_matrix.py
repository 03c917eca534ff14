"""Every route × every role (and anonymous) → the expected status code."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask_login.utils import _create_identifier

import tests.access
from advisor_hub.accounts.login import session_data
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


def _act_as(app, client, user) -> None:  # noqa: ANN001
    """Log in through the session directly: the login form itself is tested elsewhere."""
    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            session.update({"_user_id": str(user.id), "_fresh": True, "_id": identifier,
                            **session_data(user)})


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_route_access(row: Row, app, client, db_session, factory) -> None:  # noqa: ANN001
    branch = factory.branch("Matrix branch")
    users = {role: factory.user(role, branch=branch) for role in ALL if role != ANON}
    values = row.setup(db_session, factory, users) if row.setup else {}
    db_session.flush()
    path = row.path.format(**values)
    failures = []
    for role in ALL:
        _act_as(app, client, users.get(role))
        response = client.open(path, method=row.method, data=row.data)
        if response.status_code != row.expected[role]:
            failures.append(f"{role}: got {response.status_code}, expected {row.expected[role]}")
    assert not failures, f"{row.id}: " + "; ".join(failures)
