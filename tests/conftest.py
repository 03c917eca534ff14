"""Shared fixtures: databases built by the migrations, one rolled-back transaction per test,
the app and its client, user factories, query counting, a live server and Chromium.

Every test runs on SQLite; tests marked ``both_backends`` run on PostgreSQL too (and every
test does with TEST_ALL_BACKENDS=1). PostgreSQL unreachable: skipped with a reason, except
under CI=true where it is a failure. The same rule holds for Chromium.
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from advisor_hub import create_app, migrate
from advisor_hub.accounts import services as accounts
from advisor_hub.accounts.models import Branch, User
from advisor_hub.accounts.passwords import use_fast_hashing
from advisor_hub.db import make_engine
from advisor_hub.model_registry import import_all_models

CI = os.environ.get("CI") == "true"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "correct-horse-battery"


def pytest_configure(config: pytest.Config) -> None:
    use_fast_hashing()
    import_all_models()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("postgres_only"):
        backends = ["postgresql"]
    elif metafunc.definition.get_closest_marker("both_backends") or os.environ.get(
        "TEST_ALL_BACKENDS"
    ):
        backends = ["sqlite", "postgresql"]
    else:
        backends = ["sqlite"]
    metafunc.parametrize("backend", backends, indirect=True)


def unavailable(reason: str) -> None:
    """Skip with a printed reason; under CI a missing prerequisite is a failure."""
    if CI:
        pytest.fail(f"required under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def _worker() -> str:
    """This test process's own name: runs side by side never share a PostgreSQL database."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:8]
    return f"{run}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


# --- SQLite -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file upgraded once by the migrations; tests copy or reuse it."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        migrate.upgrade(connection=connection)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def sqlite_engine(sqlite_template: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{sqlite_template}")
    yield engine
    engine.dispose()


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_admin() -> Engine:
    return sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _recreate_pg_database(name: str, template: str | None = None) -> str:
    admin = _pg_admin()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        suffix = f' TEMPLATE "{template}"' if template else ""
        connection.execute(sa.text(f'CREATE DATABASE "{name}"{suffix}'))
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(name: str) -> None:
    admin = _pg_admin()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """Name of a PostgreSQL database upgraded once by the migrations (this worker's own)."""
    try:
        with _pg_admin().connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        unavailable(f"PostgreSQL unreachable at {PG_URL}: {error.orig}")
    name = f"advisor_hub_template_{_worker()}"
    url = _recreate_pg_database(name)
    engine = make_engine(url)
    with engine.begin() as connection:
        migrate.upgrade(connection=connection)
    engine.dispose()
    yield name
    _drop_pg_database(name)


@pytest.fixture(scope="session")
def postgresql_engine(pg_template: str) -> Iterator[Engine]:
    # Nobody may stay connected to the template, so tests work in a copy of it.
    name = f"advisor_hub_test_{_worker()}"
    engine = make_engine(_recreate_pg_database(name, pg_template))
    yield engine
    engine.dispose()
    _drop_pg_database(name)


# --- one transaction per test ---------------------------------------------------------------


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue(f"{backend}_engine")


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def db_session(connection: Connection) -> Iterator[Session]:
    """The test's own session; the app's request sessions join the same transaction."""
    session = Session(bind=connection, join_transaction_mode="create_savepoint",
                      expire_on_commit=False)
    yield session
    session.close()


_counter = itertools.count()


@pytest.fixture
def fresh_database_url(backend: str, request: pytest.FixtureRequest,
                       tmp_path: Path) -> Iterator[str]:
    """A database of its own, migrated, for tests that need real commits across processes."""
    if backend == "sqlite":
        path = tmp_path / "fresh.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"{template}_fresh_{next(_counter)}"
    yield _recreate_pg_database(name, template=template)
    _drop_pg_database(name)


# --- the app --------------------------------------------------------------------------------


TEST_TOKEN_KEY = Fernet.generate_key().decode("ascii")


def app_config(database_url: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "ENV": "development",  # the live server runs with TESTING off: still not production
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "SCHEDULER_ENABLED": False,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "MAIL_SERVER": None,
        # Given, so that no test writes a generated key into the checkout's instance/.
        "TOKEN_ENCRYPTION_KEY": TEST_TOKEN_KEY,
        **overrides,
    }


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(connection: Connection, tmp_path: Path, app_overrides: dict[str, Any]) -> Iterator[Flask]:
    url = connection.engine.url.render_as_string(hide_password=False)
    app = create_app(app_config(url, tmp_path, **app_overrides))
    app.extensions["database"].bind_to_connection(connection)
    # No app context is kept pushed: each request gets its own, as in production.
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


# --- factories --------------------------------------------------------------------------------


@dataclass
class Factory:
    session: Session
    _seq: Iterator[int] = field(default_factory=itertools.count)

    def branch(self, name: str | None = None, city: str = "Lyon") -> Branch:
        return accounts.create_branch(
            self.session, actor=None, name=name or f"Branch {next(self._seq)}", city=city
        )

    def user(self, *roles: str, branch: Branch | None = None, language: str = "en",
             email: str | None = None, first_name: str = "Test", time_zone: str = "Europe/Paris",
             ) -> User:
        n = next(self._seq)
        return accounts.create_user(
            self.session, actor=None, email=email or f"user{n}@example.com",
            first_name=first_name, last_name=f"User{n}", password=PASSWORD,
            roles=roles or ("advisor",), branch_id=branch.id if branch else None,
            language=language, time_zone=time_zone,
        )


@pytest.fixture
def factory(db_session: Session) -> Factory:
    return Factory(db_session)


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, user: User, password: str = PASSWORD) -> Any:
        return self.client.post("/login", data={"email": user.email, "password": password})

    def logout(self) -> Any:
        return self.client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient, db_session: Session) -> Auth:
    db_session.flush()
    return Auth(client)


# --- counting queries -----------------------------------------------------------------------


@dataclass
class QueryCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(connection: Connection) -> Callable[[], Any]:
    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                counter.statements.append(statement)

        sa.event.listen(connection.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(connection.engine, "before_cursor_execute", before)

    return counting


# --- a live server and Chromium ---------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    app: Flask
    database_url: str


@pytest.fixture
def live_server(sqlite_template: Path, tmp_path: Path,
                live_overrides: dict[str, Any]) -> Iterator[LiveServer]:
    """The real app, committing to a database file of its own, seeded with the demo bank."""
    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    app = create_app(app_config(url, tmp_path, WTF_CSRF_ENABLED=True, TESTING=False,
                                **live_overrides))
    from advisor_hub.db import transaction
    from advisor_hub.demo import seed_demo

    with app.app_context(), transaction() as session:
        seed_demo(session)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, url)
    server.shutdown()  # returns once serve_forever has stopped
    thread.join(30)
    assert not thread.is_alive(), "the live server's thread did not stop"


@pytest.fixture
def live_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
