"""The library lists the advisor's own language first, with a filter to choose another or
all (issue 14, point 7); the "Suggested for you" card stays on the unfiltered page."""

from __future__ import annotations

import pytest

from advisor_hub.demo import DEMO_PASSWORD, seed_demo


@pytest.mark.both_backends
def test_a_french_advisor_sees_french_posts_by_default(client, auth, db_session) -> None:
    seed_demo(db_session)
    db_session.flush()
    from advisor_hub.accounts.services import find_user_by_email

    bruno = find_user_by_email(db_session, "bruno.advisor@demo.bank")
    auth.login(bruno, password=DEMO_PASSWORD)
    page = client.get("/library/").get_data(as_text=True)
    assert "Préparer sa retraite avec le PER" in page
    assert "Retirement planning starts today" not in page
    assert 'value="fr" selected' in page
    assert 'data-testid="suggested"' in page  # the default language is not a "filter"
    every = client.get("/library/?language=all").get_data(as_text=True)
    assert "Retirement planning starts today" in every and "Préparer sa retraite" in every
    english = client.get("/library/?language=en").get_data(as_text=True)
    assert "Retirement planning starts today" in english
    assert "Préparer sa retraite" not in english
