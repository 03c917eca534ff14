"""Full-text search: SQLite FTS5 and PostgreSQL tsvector, accent- and case-insensitive."""

from __future__ import annotations

import pytest

from content_library import search, services

pytestmark = pytest.mark.both_backends


@pytest.fixture
def advisor(factory):
    return factory.user("advisor", branch=factory.branch())


def _titles(db_session, advisor, q: str) -> set[str]:
    return {v.title for v in services.search_library(db_session, advisor=advisor, q=q).items}


def test_accents_and_case_do_not_matter(db_session, library, advisor) -> None:
    library.approved(title="Épargne de précaution", text="Le Livret A, pour épargner.")
    library.approved(title="Home loans", text="Mortgage rates for first-time buyers",
                     tags=["immobilier"])
    assert _titles(db_session, advisor, "epargne") == {"Épargne de précaution"}
    assert _titles(db_session, advisor, "ÉPARGNE") == {"Épargne de précaution"}
    assert _titles(db_session, advisor, "précaution livret") == {"Épargne de précaution"}
    assert _titles(db_session, advisor, "PRECAUTION") == {"Épargne de précaution"}
    assert _titles(db_session, advisor, "mortg") == {"Home loans"}  # prefixes match
    assert _titles(db_session, advisor, "immobilier") == {"Home loans"}  # tags are searched
    assert _titles(db_session, advisor, "epargne mortgage") == set()  # every word must match


def test_query_syntax_is_never_interpreted(db_session, library, advisor) -> None:
    library.approved(title="Savings", text="Save more")
    for q in ['"', "save*", "save OR", "NEAR(", "a & b | !c", "-save", ":*", "'", "()", "^"]:
        services.search_library(db_session, advisor=advisor, q=q)  # never an error
    assert _titles(db_session, advisor, "save!") == {"Savings"}


def test_new_versions_are_indexed_and_only_usable_ones_found(db_session, library, advisor
                                                            ) -> None:
    v1 = library.approved(title="Retirement", text="Plan early")
    v2 = services.edit_item(db_session, actor=library.curator, item_id=v1.item_id,
                            fields=services.ItemFields(title="Retirement", text="Pension plan",
                                                       networks=["linkedin"]))
    assert _titles(db_session, advisor, "pension") == set()  # the draft is not offered
    library.approve(v2)
    assert _titles(db_session, advisor, "pension") == {"Retirement"}
    assert _titles(db_session, advisor, "early") == set()  # v1 is superseded


def test_marketing_list_searches_every_version(db_session, library) -> None:
    library.draft(title="Crédit à la consommation")
    page = services.list_items(db_session, actor=library.curator, q="credit")
    assert [v.title for v in page.items] == ["Crédit à la consommation"]


def test_normalise() -> None:
    assert search.normalise("Épargne ÇA Œuvre") == "epargne ca œuvre"
    assert search.terms("l'épargne, c'est-à-dire") == ["l", "epargne", "c", "est", "a", "dire"]
