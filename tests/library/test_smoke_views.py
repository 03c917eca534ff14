from __future__ import annotations

from content_library import life_events


def test_pages_render(client, db_session, factory, auth, library) -> None:
    branch = factory.branch("Lyon Bellecour", city="Lyon")
    advisor = factory.user("advisor", branch=branch, first_name="Alice")
    version = library.approved(title="Épargne de précaution", text="Bonjour, {branch_city} !",
                               placeholders=["branch_city"], tags=["épargne"])
    db_session.flush()
    auth.login(advisor)
    page = client.get("/library/?q=epargne")
    assert page.status_code == 200 and "Épargne de précaution" in page.get_data(as_text=True)
    # The card already shows the text as this advisor would send it, no raw placeholder.
    assert "Bonjour, Lyon !" in page.get_data(as_text=True)
    assert "{branch_city}" not in page.get_data(as_text=True)
    use = client.get(f"/library/use/{version.id}")
    assert "Bonjour, Lyon !" in use.get_data(as_text=True)
    assert client.get("/library/life-events").status_code == 200
    auth.logout()
    auth.login(library.curator)
    for path in ("/library/manage", "/library/manage/new",
                 f"/library/manage/items/{version.item_id}",
                 f"/library/manage/items/{version.item_id}/edit", "/library/manage/import",
                 "/library/manage/templates", "/library/manage/templates/new",
                 "/library/manage/export?format=json"):
        assert client.get(path).status_code == 200, path
    types = life_events.list_event_types(db_session)
    assert len(types) == 8


def test_pages_in_french(client, db_session, factory, auth, library) -> None:
    advisor = factory.user("advisor", branch=factory.branch(), language="fr")
    version = library.approved(title="Épargne", language="fr")
    curator = factory.user("marketing", language="fr")
    db_session.flush()
    auth.login(advisor)
    page = client.get("/library/").get_data(as_text=True)
    assert "Utiliser cette publication" in page and "Bibliothèque" in page
    assert "Copier le texte" in client.get(f"/library/use/{version.id}").get_data(as_text=True)
    auth.logout()
    auth.login(curator)
    detail = client.get(f"/library/manage/items/{version.item_id}").get_data(as_text=True)
    assert "Versions et utilisation" in detail and "approuvé" in detail
    form = client.get(f"/library/manage/items/{version.item_id}/edit").get_data(as_text=True)
    assert "repasse en validation" in form
    assert "événements de vie" in client.get(
        "/library/manage/templates").get_data(as_text=True)
