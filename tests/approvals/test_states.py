"""Review and library states are StrEnums, stored in their VARCHAR columns by value."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from advisor_hub.accounts import services as accounts
from advisor_hub.notifications.models import Notification
from advisor_hub.roles import Role
from approvals import lexicon_admin, services
from approvals.errors import BadDecision
from approvals.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    DecisionKind,
    LinkKind,
    LinkRule,
    ReviewRequest,
    ReviewStatus,
    Verdict,
)


def test_every_verdict_leads_to_a_status_and_every_outcome_is_final_or_open() -> None:
    assert {v.outcome for v in Verdict} == {ReviewStatus.APPROVED, ReviewStatus.REJECTED,
                                            ReviewStatus.CHANGES_REQUESTED,
                                            ReviewStatus.ESCALATED}
    assert FINAL_STATUSES | set(OPEN_STATUSES) == set(ReviewStatus)
    assert not FINAL_STATUSES & set(OPEN_STATUSES)
    assert all(s.tone for s in ReviewStatus)
    # A decision log entry names either an outcome or the library shortcut.
    assert {str(k) for k in DecisionKind} == ({str(s) for s in FINAL_STATUSES}
                                             | {"escalated", "approved_from_library"})


def test_states_are_stored_as_their_plain_values(db_session, factory, submit) -> None:
    author, reviewer = factory.user("advisor"), factory.user("compliance")
    review = submit(author)
    services.decide(db_session, review_id=review.id, actor=reviewer, decision=Verdict.APPROVE)
    rule = lexicon_admin.add_link_rule(db_session, actor=reviewer, domain="states.example",
                                       kind="deny")
    db_session.flush()
    stored = db_session.execute(text("SELECT status FROM review_requests WHERE id = :id"),
                                {"id": review.id}).scalar_one()
    decisions = db_session.scalars(text("SELECT decision FROM review_decisions "
                                        "WHERE review_id = :id"), {"id": review.id}).all()
    kind = db_session.execute(text("SELECT kind FROM link_rules WHERE id = :id"),
                              {"id": rule.id}).scalar_one()
    assert (type(stored), stored) == (str, "approved")
    assert decisions == ["approved"] and kind == "deny"
    db_session.expire_all()
    loaded = db_session.get(ReviewRequest, review.id)
    assert loaded.status is ReviewStatus.APPROVED
    assert db_session.get(LinkRule, rule.id).kind is LinkKind.DENY


def test_a_status_outside_the_lifecycle_is_refused(db_session, factory, submit) -> None:
    review = submit(factory.user("advisor"))
    with pytest.raises(ValueError):
        review.status = "approvedd"
    review.status = "rejected"  # a value of the lifecycle is taken, as the enum
    assert review.status is ReviewStatus.REJECTED
    with pytest.raises(StatementError):  # a query with an unknown value fails (no empty match)
        db_session.scalars(select(ReviewRequest)
                           .where(ReviewRequest.status == "approvedd")).all()


def test_an_unknown_verdict_is_refused(db_session, factory, submit) -> None:
    review = submit(factory.user("advisor"))
    with pytest.raises(BadDecision):
        services.decide(db_session, review_id=review.id, actor=factory.user("compliance"),
                        decision="approved")
    assert review.status is ReviewStatus.PENDING


def test_escalation_tells_the_active_seniors_only(db_session, factory, submit) -> None:
    author, reviewer = factory.user("advisor"), factory.user("compliance")
    senior = factory.user("compliance", "senior_compliance")
    gone = factory.user("compliance", "senior_compliance")
    accounts.set_user_active(db_session, actor=factory.user("admin"), user_id=gone.id,
                             active=False)
    assert [u.id for u in accounts.users_with_role(db_session, Role.SENIOR_COMPLIANCE)] \
        == [senior.id]
    assert accounts.users_with_role(db_session, Role.SENIOR_COMPLIANCE,
                                    exclude_ids=[senior.id]) == []
    review = submit(author)
    services.decide(db_session, review_id=review.id, actor=reviewer,
                    decision=Verdict.ESCALATE, comment="Legal should look.")
    assert review.status is ReviewStatus.ESCALATED and not review.was_escalated
    told = set(db_session.scalars(select(Notification.user_id)
                                  .where(Notification.message.like("%escalated “%"))))
    assert told == {senior.id}
    services.decide(db_session, review_id=review.id, actor=senior, decision=Verdict.APPROVE)
    assert review.status is ReviewStatus.APPROVED and review.was_escalated


def test_user_and_branch_names_come_in_one_query_each(db_session, factory, count_queries
                                                      ) -> None:
    lyon = factory.branch("Lyon")
    people = [factory.user("advisor", branch=lyon) for _ in range(3)]
    with count_queries() as counter:
        names = accounts.user_names(db_session, [p.id for p in people] + [999_999])
        branches = accounts.branch_names(db_session, [lyon.id, 999_999])
    assert counter.count == 2
    assert names == {p.id: p.full_name for p in people} and branches == {lyon.id: "Lyon"}
    assert accounts.user_names(db_session, []) == {} and accounts.branch_names(db_session, []) == {}


def test_pages_show_states_from_the_enums(client, auth, db_session, factory, submit) -> None:
    author, reviewer = factory.user("advisor"), factory.user("compliance")
    senior = factory.user("compliance", "senior_compliance")
    review = submit(author)
    services.decide(db_session, review_id=review.id, actor=reviewer,
                    decision=Verdict.ESCALATE, comment="Legal should look.")
    services.decide(db_session, review_id=review.id, actor=senior, decision=Verdict.APPROVE)
    lexicon_admin.add_link_rule(db_session, actor=reviewer, domain="deny.example", kind="deny")
    lexicon_admin.add_link_rule(db_session, actor=reviewer, domain="allow.example",
                                kind=LinkKind.ALLOW)
    db_session.flush()
    auth.login(reviewer)
    html = client.get(f"/review/{review.id}").get_data(as_text=True)
    assert ('<span class="badge text-bg-success" data-testid="review-status">Approved</span>'
            in html)
    assert "Escalated to a senior reviewer" in html
    links = client.get("/review/links").get_data(as_text=True)
    assert links.count('<span class="badge text-bg-danger">Deny</span>') == 1
    assert links.count('<span class="badge text-bg-success">Allow</span>') == 1
