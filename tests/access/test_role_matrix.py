"""Every route × every role (and anonymous) → the expected status code."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask import Flask
from flask_login.utils import _create_identifier
from werkzeug.exceptions import MethodNotAllowed, NotFound

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


# Public files: the same for every visitor, with no role check to test.
UNCHECKED_ENDPOINTS = {"static", "bootstrap.static"}
# The Sandbox plays the social networks (their OAuth and API endpoints, with their own
# tokens, no portal role); it is mounted under /sandbox/ and tested in tests/networks.
SANDBOX_SEGMENT = "sandbox"
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}  # answered by Flask from GET / the rule itself


def _covered(app: Flask) -> set[tuple[str, str]]:
    """The (endpoint, method) pairs the rows reach."""
    adapter = app.url_map.bind("localhost")
    covered = set()
    for row in ROWS:
        path = row.path.split("?")[0].format_map(_AnyId())
        try:
            endpoint, _args = adapter.match(path, method=row.method)
        except (NotFound, MethodNotAllowed):
            continue  # a row for a missing route or method (404 / 405) covers nothing
        covered.add((endpoint, row.method))
    return covered


class _AnyId(dict):
    def __missing__(self, key: str) -> str:
        return "1"


def test_every_route_of_the_url_map_has_a_row(app: Flask) -> None:
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in UNCHECKED_ENDPOINTS
        and rule.rule.split("/")[1] != SANDBOX_SEGMENT
        for method in rule.methods - IMPLICIT_METHODS
    }
    missing = sorted(routes - _covered(app))
    assert not missing, f"routes with no row in tests/access/rows_*.py: {missing}"


def _act_as(app, client, user) -> None:
    """Log in through the session directly: the login form itself is tested elsewhere."""
    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            session.update({"_user_id": str(user.id), "_fresh": True, "_id": identifier,
                            **session_data(user)})


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_route_access(row: Row, app, client, db_session, factory) -> None:
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
