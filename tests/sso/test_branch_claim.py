"""OIDC_BRANCH_CLAIM: matched by the branch's directory code first, then by its name, without
case; an unknown (or absent) branch leaves the user unassigned and is audited."""

from __future__ import annotations

from sqlalchemy import select

from advisor_hub.accounts import services as accounts
from advisor_hub.accounts.models import User
from advisor_hub.audit.models import AuditEvent


def _user(db_session, login: str) -> User | None:
    db_session.expire_all()
    return db_session.scalar(select(User).where(User.email == f"{login}@bank.example"))


def test_the_claim_is_matched_by_code_before_name(flow, provider, db_session) -> None:
    # A branch whose *name* is another branch's code: the code wins.
    by_code = accounts.create_branch(db_session, actor=None, name="Lyon Part-Dieu",
                                     city="Lyon", code="FR-069-01")
    accounts.create_branch(db_session, actor=None, name="fr-069-01", city="Elsewhere")
    provider.users["alice"]["branch"] = "fr-069-01"
    db_session.flush()
    assert flow.sign_in("alice").status_code == 302
    assert _user(db_session, "alice").branch_id == by_code.id


def test_the_claim_falls_back_to_the_name_without_case(flow, provider, db_session) -> None:
    branch = accounts.create_branch(db_session, actor=None, name="Paris Opéra", code="P-OP")
    provider.users["alice"]["branch"] = "PARIS OPÉRA"
    db_session.flush()
    flow.sign_in("alice")
    assert _user(db_session, "alice").branch_id == branch.id


def test_an_unknown_branch_leaves_the_user_unassigned_and_is_audited(
        flow, provider, db_session, client) -> None:
    lyon = accounts.create_branch(db_session, actor=None, name="Lyon", code="LYO")
    provider.users["alice"]["branch"] = "LYO"
    db_session.flush()
    flow.sign_in("alice")
    assert _user(db_session, "alice").branch_id == lyon.id
    client.post("/logout")
    # The directory moves her to a branch the portal does not know: she is not kept in Lyon.
    provider.users["alice"]["branch"] = "NEW-BRANCH-9"
    assert flow.sign_in("alice").status_code == 302
    user = _user(db_session, "alice")
    assert user.branch_id is None and user.active
    event = db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "idp.branch_unmatched"))
    assert event is not None and event.actor_id is None
    assert event.before == {"branch_id": lyon.id}
    assert event.after["claim"] == "NEW-BRANCH-9" and event.after["by"] == "identity provider"


def test_a_first_sign_in_with_an_unknown_branch_is_audited(flow, provider, db_session) -> None:
    provider.users["alice"]["branch"] = "Atlantis"
    db_session.flush()
    flow.sign_in("alice")
    user = _user(db_session, "alice")
    assert user is not None and user.branch_id is None
    event = db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "idp.branch_unmatched"))
    assert event.subject_id == str(user.id) and event.after["claim"] == "Atlantis"


def test_branch_codes_are_unique_without_case(db_session) -> None:
    import pytest

    from advisor_hub.errors import ValidationError

    accounts.create_branch(db_session, actor=None, name="A", code="abc-1")
    with pytest.raises(ValidationError):
        accounts.create_branch(db_session, actor=None, name="B", code="ABC-1")
    with pytest.raises(ValidationError):
        accounts.create_branch(db_session, actor=None, name="C", code="has space")
