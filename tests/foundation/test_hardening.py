"""Hostile input is a 4xx with a message, never a 500; hardening headers; private files; logs."""

from __future__ import annotations

import logging
import re
import stat
import threading
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import request
from werkzeug.exceptions import NotFound

from advisor_hub.audit.services import record
from advisor_hub.db import make_engine
from advisor_hub.hardening import MAX_INT64, int_arg, redact

BIG = "99999999999999999999"  # above 2^64
ALL_ROLES = ("advisor", "marketing", "compliance", "admin")


def _routes(app: Any, method: str) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if method in rule.methods and "<int:" in rule.rule:
            paths.append(re.sub(r"<[^>]+>", "x", re.sub(r"<int:[^>]+>", BIG, rule.rule)))
    return paths


# -- integers ----------------------------------------------------------------------------------


def test_route_integers_stop_at_the_largest_database_integer(app) -> None:
    adapter = app.url_map.bind("localhost")
    assert adapter.match(f"/library/manage/items/{MAX_INT64}")[1] == {"item_id": MAX_INT64}
    with pytest.raises(NotFound):
        adapter.match(f"/library/manage/items/{MAX_INT64 + 1}")


@pytest.mark.both_backends
def test_huge_integers_in_every_route_are_404(client, factory, auth) -> None:
    auth.login(factory.user(*ALL_ROLES))
    for path in _routes(client.application, "GET"):
        assert client.get(path).status_code == 404, path
    for path in _routes(client.application, "POST"):
        assert client.post(path).status_code == 404, path


@pytest.mark.both_backends
@pytest.mark.parametrize("url", [
    f"/review/?branch={BIG}", f"/review/?page={BIG}", f"/review/?per_page={BIG}",
    f"/review/lexicon/history?version={BIG}", f"/publishing/compose?version_id={BIG}",
    f"/publishing/compose?template_id={BIG}", f"/publishing/compose/preview?version_id={BIG}",
    f"/archive/?upto={BIG}", f"/archive/export?upto={BIG}", f"/library/?page={BIG}",
    f"/admin/audit?page={BIG}", f"/dashboard/?branch={BIG}",
])
def test_huge_integers_in_query_arguments_are_no_500(client, factory, auth, url) -> None:
    auth.login(factory.user(*ALL_ROLES))
    assert client.get(url).status_code < 500


def test_query_integers_out_of_range_read_as_absent(app) -> None:
    with app.test_request_context(f"/?page={BIG}&n=-{BIG}&ok=42&ids=1&ids={BIG}"):
        assert request.args.get("page", 1, type=int) == 1
        assert request.args.get("n", type=int) is None
        assert int_arg("ok") == 42 and int_arg("page", 7) == 7
        assert request.args.getlist("ids", type=int) == [1]


def test_a_date_at_the_end_of_the_calendar_is_a_400_with_a_message(client, factory,
                                                                   auth) -> None:
    auth.login(factory.user("compliance", language="fr"))
    response = client.get("/review/lexicon/history?date=9999-12-31")
    assert response.status_code == 400
    assert "hors limites" in response.get_data(as_text=True)


# -- url_for's reserved names ------------------------------------------------------------------


def test_url_for_reserved_names_are_not_query_arguments(app) -> None:
    with app.test_request_context("/?_method=POST&_external=1&_scheme=javascript&_anchor=x&q=a"):
        assert dict(request.args) == {"q": "a"}


def test_a_pager_cannot_be_steered_through_url_for(client, factory, auth, db_session) -> None:
    admin = factory.user("admin")
    for n in range(60):  # more than one page of the audit trail
        record(db_session, admin, "test.event", ("thing", n), flush=False)
    db_session.flush()
    auth.login(admin)
    response = client.get("/admin/audit?_method=POST&_external=1&_scheme=javascript&_anchor=x")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'rel="next"' in page
    assert "javascript:" not in page and "_method" not in page and "#x" not in page


# -- redirects and hosts -----------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/%0d%0aSet-Cookie:%20stolen=1", "/%0aLocation:%20x",
                                    "/x%0d"])
def test_cr_lf_in_next_is_no_500_and_no_header(client, factory, db_session, target) -> None:
    user = factory.user()
    db_session.flush()
    response = client.post(f"/login?next={target}",
                           data={"email": user.email, "password": "correct-horse-battery"})
    assert response.status_code in (302, 400)
    assert "stolen" not in str(response.headers)
    response = client.post("/language", data={"language": "fr", "next": target.replace(
        "%0d", "\r").replace("%0a", "\n").replace("%20", " ")})
    assert response.status_code in (302, 400)
    assert "stolen" not in str(response.headers)


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {}


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_HOSTS": ["portal.bank.example"]}])
def test_a_foreign_host_is_a_400_with_a_message(client, app_overrides) -> None:
    ok = client.get("/login", headers={"Host": "portal.bank.example"})
    assert ok.status_code == 200
    refused = client.get("/login", headers={"Host": "evil.example", "Accept-Language": "fr"})
    assert refused.status_code == 400
    assert "Ce serveur ne répond pas à cette adresse." in refused.get_data(as_text=True)


def test_trusted_hosts_come_from_the_environment(monkeypatch, tmp_path) -> None:
    from advisor_hub import create_app
    from tests.conftest import app_config

    monkeypatch.setenv("TRUSTED_HOSTS", "portal.bank.example, .bank.example")
    config = app_config(f"sqlite:///{tmp_path}/x.sqlite3", tmp_path)
    app = create_app(config)
    assert app.config["TRUSTED_HOSTS"] == ["portal.bank.example", ".bank.example"]
    assert app.test_client().get("/login", headers={"Host": "x.bank.example"}).status_code == 200
    assert app.test_client().get("/login", headers={"Host": "bank.evil"}).status_code == 400


# -- SQLite ------------------------------------------------------------------------------------


def test_sqlite_busy_timeout_is_configurable(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.sqlite3", busy_timeout_ms=1234)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
    engine.dispose()


def test_the_sqlite_database_file_is_private(tmp_path) -> None:
    path = tmp_path / "new.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        for suffix in ("", "-wal", "-shm"):
            file = path.with_name(path.name + suffix)
            if file.exists():
                assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    engine.dispose()


def _csrf(session: requests.Session, url: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', session.get(url).text)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def test_concurrent_writes_on_sqlite_wait_their_turn(live_server) -> None:
    """Nine users saving their preferences at once: no "database is locked" (500)."""
    from advisor_hub.demo import DEMO_PASSWORD, USERS

    codes: list[int] = []

    def work(email: str) -> None:
        browser = requests.Session()
        login = f"{live_server.url}/login"
        browser.post(login, data={"email": email, "password": DEMO_PASSWORD,
                                  "csrf_token": _csrf(browser, login)})
        preferences = f"{live_server.url}/preferences"
        for n in range(4):
            response = browser.post(preferences, allow_redirects=False, data={
                "language": "fr" if n % 2 else "en", "time_zone": "Europe/Paris",
                "csrf_token": _csrf(browser, preferences)})
            codes.append(response.status_code)

    threads = [threading.Thread(target=work, args=(user.email,)) for user in USERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(codes) == 4 * len(USERS)
    assert set(codes) == {302}, codes


# -- headers -----------------------------------------------------------------------------------


def test_hsts_only_over_https(client) -> None:
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_are_never_stored_but_static_files_are(client, factory, auth) -> None:
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    auth.login(factory.user("advisor"))
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/nowhere").headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


# -- logs --------------------------------------------------------------------------------------


def test_oauth_codes_and_states_are_not_in_the_request_log(app, caplog) -> None:
    line = '"GET /networks/sandbox/callback?code=S3CRET&state=ST4TE&x=1 HTTP/1.1" 302 -'
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info("%s - - [%s] %s", "127.0.0.1", "now", line)
    assert "S3CRET" not in caplog.text and "ST4TE" not in caplog.text
    assert "code=[redacted]&state=[redacted]&x=1" in caplog.text
    assert redact("/cb?Code=a;state=b") == "/cb?Code=[redacted];state=[redacted]"
