from __future__ import annotations

import pytest

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


@pytest.mark.both_backends
def test_the_curators_list_loads_its_items_with_the_page_not_row_by_row(
        client, db_session, auth, library, backend) -> None:
    """bench/load.py's slowest page: one item and its versions per row were loaded lazily
    (51 queries for 25 rows). Now a fixed number, whatever the rows."""
    from sqlalchemy import event

    from content_library import services

    for n in range(12):
        version = library.approved(title=f"Item {n}")
        services.edit_item(db_session, actor=library.curator, item_id=version.item_id,
                           fields=services.ItemFields(title=f"Item {n} v2", text="New text.",
                                                      networks=["linkedin"]))
    db_session.flush()
    auth.login(library.curator)
    client.get("/library/manage")
    statements: list[str] = []
    engine = db_session.get_bind().engine

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get("/library/manage").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page.count("v1 in use") == 12
    assert len(statements) <= 12, statements  # was 8 + 2 per row
