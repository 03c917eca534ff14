"""The connections page and the Operations page, in both languages; resume and prices."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from advisor_hub.connectors import holds
from advisor_hub.connectors.models import AccountGrant, ConnectorSetting, HoldCause
from advisor_hub.db import utcnow


def test_connections_show_the_end_the_last_problem_and_relink(client, auth, db_session,
                                                              factory, outbox) -> None:
    advisor = factory.user("advisor", language="fr")
    dead = outbox.account(advisor, "facebook", name="Agence Lyon", status="relink_needed")
    fine = outbox.account(advisor, "linkedin", name="Alice pro",
                          created_at=utcnow() - timedelta(days=10))
    db_session.add(AccountGrant(account_id=dead.id, granted_at=utcnow(), grant_ends_at=None,
                                last_problem="page_token_invalidated", last_problem_at=utcnow(),
                                last_raw_error="(#190) Error validating access token: subcode 460"))
    outbox.row(fine, utcnow() - timedelta(hours=1), state="published").published_at = utcnow()
    db_session.flush()
    auth.login(advisor)
    page = client.get("/connections/").get_data(as_text=True)
    assert "État des connexions" in page
    assert "Facebook a mis fin à l&#39;accès de la Page" in page
    assert "/publishing/accounts/link/facebook" in page
    assert "subcode 460" not in page  # the raw answer is for the administrator
    assert "Agence Lyon" in page and "Alice pro" in page


def test_operations_lists_holds_versions_limits_and_spend(client, auth, db_session, factory,
                                                          outbox) -> None:
    admin = factory.user("admin")
    alice = factory.user("advisor", branch=factory.branch("Nantes"))
    account = outbox.account(alice, "x", name="Alice on X")
    outbox.row(account, utcnow() + timedelta(hours=1))
    hold = holds.hold_network(db_session, network="x", cause=HoldCause.CREDITS_EXHAUSTED,
                              now=utcnow(), detail='{"title":"CreditsDepleted"}')
    db_session.flush()
    auth.login(admin)
    page = client.get("/operations/").get_data(as_text=True)
    assert f'data-hold="{hold.id}"' in page and "Prepaid credits used up" in page
    assert "CreditsDepleted" in page  # the raw answer, for the administrator
    assert "202608" in page and "v25.0" in page
    assert "docs.x.com" in page or "developer.x.com" in page
    assert 'data-testid="x-spend"' in page and "Alice on X" in page
    only_linkedin = client.get("/operations/?network=linkedin").get_data(as_text=True)
    assert "Alice on X" not in only_linkedin

    response = client.post(f"/operations/holds/{hold.id}/resume")
    assert response.status_code == 302
    assert holds.active_holds(db_session) == []


def test_operations_in_french_and_the_prices_form(client, auth, db_session, factory) -> None:
    admin = factory.user("admin", language="fr")
    auth.login(admin)
    page = client.get("/operations/").get_data(as_text=True)
    assert "Suspensions générales" in page and "Versions d'API" in page
    refused = client.post("/operations/x-pricing", data={"price_post": "abc"})
    assert refused.status_code == 200
    assert db_session.get(ConnectorSetting, "x_pricing") is None
    saved = client.post("/operations/x-pricing", data={
        "price_post": "0.02", "price_post_with_link": "0.25", "monthly_cap": "50"})
    assert saved.status_code == 302
    setting = db_session.scalar(select(ConnectorSetting))
    assert setting.value == {"price_post": "0.02", "price_post_with_link": "0.25",
                             "monthly_cap": "50"}
