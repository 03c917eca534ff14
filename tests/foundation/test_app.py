from __future__ import annotations

import pytest

from advisor_hub.notifications.services import N_, notify


@pytest.mark.both_backends
def test_healthz_reports_the_database(client) -> None:
    response = client.get("/healthz")
    assert response.get_json()["database"] == "ok"
    assert response.status_code == 503  # ... and that no scheduler runs (tests/health)


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path) -> None:
    from advisor_hub import create_app
    from tests.conftest import TEST_TOKEN_KEY

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "TOKEN_ENCRYPTION_KEY": TEST_TOKEN_KEY,
                      "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error"}


@pytest.mark.parametrize("role,expected", [
    ("advisor", "home-advisor"),
    ("marketing", "home-marketing"),
    ("compliance", "home-compliance"),
    ("admin", "home-admin"),
])
def test_home_page_has_a_section_per_role(client, factory, auth, role, expected) -> None:
    auth.login(factory.user(role))
    page = client.get("/").get_data(as_text=True)
    assert f'data-testid="{expected}"' in page


def test_user_with_two_roles_sees_both_sections(client, factory, auth) -> None:
    auth.login(factory.user("advisor", "admin"))
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="home-advisor"' in page and 'data-testid="home-admin"' in page
    assert "/admin/users" in page


def test_pages_follow_the_users_language(client, factory, auth) -> None:
    auth.login(factory.user("admin", language="fr"))
    page = client.get("/admin/users").get_data(as_text=True)
    assert '<html lang="fr">' in page and "Utilisateurs" in page


def test_anonymous_language_switch(client) -> None:
    assert "Log in to Advisor Hub" in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"language": "fr", "next": "/login"})
    assert "Connexion à Advisor Hub" in client.get("/login").get_data(as_text=True)
    page = client.get("/nope", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Page introuvable" in page


def test_error_pages_in_french_from_the_browser_language(client) -> None:
    page = client.get("/nowhere", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert page.status_code == 404 and "Page introuvable" in page.get_data(as_text=True)


def test_notifications_unread_count_and_mark_read(client, factory, auth, db_session) -> None:
    user = factory.user(language="fr")
    other = factory.user()
    mine = notify(db_session, user, N_("Your preferences are saved."), url="/")
    theirs = notify(db_session, other, N_("Your preferences are saved."))
    auth.login(user)
    page = client.get("/notifications").get_data(as_text=True)
    assert 'data-testid="unread-count">1<' in page
    assert "Vos préférences sont enregistrées." in page
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.post(f"/notifications/{mine.id}/read").status_code == 302
    assert 'data-testid="unread-count"' not in client.get("/notifications").get_data(as_text=True)


def test_unexpected_error_shows_the_500_page_in_the_users_language(app, client) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret detail")

    response = client.get("/boom", headers={"Accept-Language": "fr"})
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.get_data(as_text=True)
    assert "secret detail" not in response.get_data(as_text=True)
