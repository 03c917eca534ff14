"""The library lists the advisor's own language first, with a filter to choose another or
all (issue 14, point 7); the "Suggested for you" card stays on the unfiltered page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from advisor_hub.demo import DEMO_PASSWORD, seed_demo


@pytest.mark.both_backends
def test_a_french_advisor_sees_french_posts_by_default(client, auth, db_session) -> None:
    from content_library.models import LibraryItemVersion

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
    # The "Suggested for you" card follows the same language (default or chosen).
    titles = {v.title: v.language for v in db_session.scalars(select(LibraryItemVersion))}
    for shown_page, language in ((page, "fr"), (english, "en")):
        card = shown_page.split('data-testid="suggested"')[1].split("</section>")[0]
        shown = [t for t in titles if f">{t}<" in card.replace("&#39;", "'")]
        assert shown and {titles[t] for t in shown} == {language}


@pytest.mark.both_backends
def test_the_dashboards_nudges_offer_posts_in_the_advisors_language(db_session) -> None:
    from advisor_hub.accounts.services import find_user_by_email
    from advisor_hub.dashboard.services import Scope, nudges
    from advisor_hub.networks import Account, TokenCipher, TokenSet
    from advisor_hub.publishing.linking import link_account
    from approvals.services import Verdict, decide
    from content_library.models import LibraryItemVersion
    from tests.conftest import TEST_TOKEN_KEY

    seed_demo(db_session)
    for email in ("bruno.advisor@demo.bank", "alice.advisor@demo.bank"):
        user = find_user_by_email(db_session, email)
        account = link_account(db_session, user=user, network="sandbox",
                               account=Account(email, user.full_name), tokens=TokenSet("t"),
                               cipher=TokenCipher(TEST_TOKEN_KEY))
        decide(db_session, review_id=account.review_id, decision=Verdict.APPROVE,
               actor=find_user_by_email(db_session, "claire.compliance@demo.bank"))
    db_session.flush()
    languages = {v.title: v.language for v in db_session.scalars(select(LibraryItemVersion))}
    rows = {r.email: r for r in nudges(db_session, Scope(None, True))}
    bruno, alice = rows["bruno.advisor@demo.bank"], rows["alice.advisor@demo.bank"]
    assert bruno.suggestions and {languages[t] for t in bruno.suggestions} == {"fr"}
    assert alice.suggestions and {languages[t] for t in alice.suggestions} == {"en"}

