"""Error pages render with no database: no user lookup, the language from the session cookie
or the browser (or from the user when already in memory)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import abort
from flask_login import current_user
from sqlalchemy.exc import OperationalError


def _database_gone(app: Any) -> list[str]:
    """Every later attempt to use the database fails as an outage does; returns the log."""
    attempts: list[str] = []

    def unreachable(*_args: Any, **_kwargs: Any) -> Any:
        attempts.append("session")
        raise OperationalError("SELECT 1", {}, Exception("unable to open database file"))

    app.extensions["database"].sessionmaker = unreachable
    return attempts


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def routes(app: Any) -> Any:
    @app.get("/test/boom-after-user")
    def boom_after_user() -> str:
        assert current_user.is_authenticated
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    @app.get("/test/too-many")
    def too_many() -> str:
        abort(429)

    @app.get("/test/bad")
    def bad() -> str:
        abort(400)

    return app


def test_a_logged_in_page_during_an_outage_is_the_500_page_in_french(app, client, factory,
                                                                    auth) -> None:
    auth.login(factory.user("advisor", language="en"))
    _database_gone(app)
    response = client.get("/", headers={"Accept-Language": "fr"})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert 'data-testid="error-page"' in page and '<html lang="fr">' in page
    assert "Une erreur est survenue" in page
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path,code,french", [
    ("/nowhere", 404, "Page introuvable"),
    ("/test/too-many", 429, "Trop de requêtes"),
    ("/test/bad", 400, "Requête incorrecte"),
])
def test_error_pages_need_no_database(app, routes, client, factory, auth, path, code,
                                      french) -> None:
    auth.login(factory.user("advisor"))
    attempts = _database_gone(app)
    response = client.get(path, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert response.status_code == code
    assert french in response.get_data(as_text=True)
    assert attempts == [], "the error page tried the database"


def test_a_403_during_an_outage_is_still_an_error_page(app, client, factory, auth) -> None:
    auth.login(factory.user("advisor"))
    _database_gone(app)
    response = client.get("/admin/users", headers={"Accept-Language": "fr"})
    # The role cannot be checked without the database: refused, with a page.
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.get_data(as_text=True)


def test_the_language_chosen_in_the_session_wins_over_the_browser(app, client) -> None:
    client.post("/language", data={"language": "fr", "next": "/login"})
    _database_gone(app)
    response = client.get("/nowhere", headers={"Accept-Language": "en"})
    assert response.status_code == 404 and "Page introuvable" in response.get_data(as_text=True)


def test_a_user_already_in_memory_keeps_their_language(app, routes, client, factory,
                                                      auth) -> None:
    auth.login(factory.user("advisor", language="fr"))
    response = client.get("/test/boom-after-user", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.get_data(as_text=True)
