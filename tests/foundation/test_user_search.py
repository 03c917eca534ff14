"""The admin user search matches "%" and "_" literally (they are not LIKE wildcards)."""

from __future__ import annotations

import pytest

from advisor_hub.accounts.services import list_users


@pytest.mark.both_backends
def test_like_wildcards_typed_by_the_admin_match_literally(db_session, factory):
    admin = factory.user("admin", email="root@bank.example")
    plain = factory.user(email="alice@bank.example", first_name="Alice")
    under = factory.user(email="a_b@bank.example", first_name="Under")
    percent = factory.user(email="ten%off@bank.example", first_name="Percent")
    back = factory.user(email="back@bank.example", first_name="Back\\slash")
    db_session.flush()

    def found(q: str) -> set[str]:
        return {u.email for u in list_users(db_session, actor=admin, q=q).items}

    assert found("%") == {percent.email}
    assert found("_") == {under.email}
    assert found("a_b") == {under.email}
    assert found("a%b") == set()
    assert found("\\") == {back.email}
    assert plain.email in found("ALICE")
    assert found("%%%%") == set()
