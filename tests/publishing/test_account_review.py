"""The linked-account review shows the profile being linked (name, picture, URL once), and
flags a name that is not the advisor's."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from advisor_hub.accounts.models import User
from advisor_hub.demo import seed_demo
from advisor_hub.networks import TokenCipher
from advisor_hub.publishing.linking import _name_words, account_details, link_account
from tests.publishing.conftest import KEY, oauth_link


@pytest.fixture
def bank(app: Any, db_session: Any) -> dict[str, User]:
    # The app registers the review kinds (advisor_hub.features).
    seed_demo(db_session)
    return {u.email.split("@")[0]: u for u in db_session.scalars(select(User))}


def _link(db_session: Any, advisor: User, sandbox: Any, login: str) -> Any:
    profile, tokens = oauth_link(sandbox.url, login)
    return link_account(db_session, user=advisor, network="sandbox",
                        account=profile.accounts[0], tokens=tokens, cipher=TokenCipher(KEY))


def test_names_compare_without_accents_case_or_order():
    assert _name_words("Chloé  PETIT") == _name_words("petit chloe")
    assert _name_words("Alice Martin") != _name_words("Bruno Dubois")


def test_a_name_that_is_not_the_advisors_is_flagged(db_session, bank, sandbox):
    alice = bank["alice.advisor"]
    own = account_details(db_session, _link(db_session, alice, sandbox, "alice").id)
    assert [f.key for f in own.facts][:3] == ["name", "picture", "profile"]
    assert own.replaces_content and all(f.warning is None for f in own.facts)
    other = account_details(db_session, _link(db_session, alice, sandbox, "bruno").id)
    name = next(f for f in other.facts if f.key == "name")
    assert "Alice Martin" in str(name.warning)


def test_the_review_page_shows_the_profile_once(db_session, bank, sandbox, client, auth):
    alice, claire = bank["alice.advisor"], bank["claire.compliance"]
    account = _link(db_session, alice, sandbox, "bruno")
    db_session.flush()
    auth.login(claire, "demo-password-2026")
    html = client.get(f"/review/{account.review_id}").get_data(as_text=True)
    assert "The profile to be linked" in html and "As it will be published" not in html
    assert "name (Alice Martin): check that the account is theirs" in html
    assert html.count(f'href="{account.profile_url}"') == 1
    assert f'src="{account.picture_url}"' in html
