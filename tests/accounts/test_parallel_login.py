"""Issue 11 point 5 on PostgreSQL: twenty logins at once, over real HTTP, against a live
server committing to a database of its own. The lockout holds exactly: five passwords are
checked, no more, and once the threshold is reached the right password among nineteen
wrong ones does not get in."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from advisor_hub import create_app
from advisor_hub.accounts import lockout
from advisor_hub.accounts import services as accounts
from advisor_hub.accounts.models import User
from advisor_hub.db import get_session, transaction
from tests.conftest import PASSWORD, app_config

THREADS = 20
EMAIL = "target@example.com"


@pytest.fixture
def server(fresh_database_url: str, tmp_path: Path) -> Iterator[tuple[str, Flask]]:
    # Rate limits off: this test is about the database's count, not the coarse limits.
    app = create_app(app_config(fresh_database_url, tmp_path, RATELIMIT_ENABLED=False))
    with app.app_context(), transaction() as session:
        accounts.create_user(session, actor=None, email=EMAIL, first_name="Tar",
                             last_name="Get", password=PASSWORD, roles=["advisor"])
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}", app
    http.shutdown()
    thread.join(30)
    app.extensions["database"].engine.dispose()


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []
    lock = threading.Lock()
    real = lockout.verify_password

    def counting(password_hash: str, password: str) -> bool:
        with lock:
            made.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(lockout, "verify_password", counting)
    return made


def _storm(url: str, passwords: list[str]) -> list[int]:
    """Post every password at the same moment, each from its own connection."""
    start = threading.Barrier(len(passwords))

    def post(password: str) -> int:
        with requests.Session() as http:
            start.wait(30)
            response = http.post(f"{url}/login", data={"email": EMAIL, "password": password},
                                 allow_redirects=False, timeout=60)
            return response.status_code

    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(post, passwords))


def _user(app: Flask) -> User:
    with app.app_context():
        return get_session().scalars(select(User).where(User.email == EMAIL)).one()


@pytest.mark.postgres_only
def test_twenty_parallel_logins_hold_the_lockout_exactly(server, checks, backend) -> None:
    url, app = server
    # Twenty wrong passwords at once: exactly five are checked, then the account is locked.
    statuses = _storm(url, [f"wrong-{n}-password" for n in range(THREADS)])
    assert statuses == [200] * THREADS
    assert len(checks) == lockout.MAX_FAILED_LOGINS
    locked = _user(app)
    assert locked.locked_until is not None
    # Nineteen wrong and the right one at once, the threshold reached: nobody gets in, and
    # not one more password is checked.
    passwords = [f"again-{n}-wrong" for n in range(THREADS - 1)] + [PASSWORD]
    statuses = _storm(url, passwords)
    assert 302 not in statuses and statuses == [200] * THREADS
    assert len(checks) == lockout.MAX_FAILED_LOGINS
    after = _user(app)
    assert after.locked_until == locked.locked_until and after.last_login_at is None


@pytest.mark.postgres_only
def test_parallel_logins_from_four_failures_check_one_more_password(server, checks,
                                                                    backend) -> None:
    """Four failures already: of twenty wrong passwords at once, one is checked (the
    fifth), and it locks the account."""
    url, app = server
    for n in range(lockout.MAX_FAILED_LOGINS - 1):
        assert _storm(url, [f"one-by-one-{n}"]) == [200]
    checks.clear()
    _storm(url, [f"late-{n}-wrong" for n in range(THREADS)])
    assert len(checks) == 1
    assert _user(app).locked_until is not None
