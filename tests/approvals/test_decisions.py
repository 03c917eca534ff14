"""Decisions in the service: each path, escalation and override, separation of duties,
claims and their expiry, bad input, and what every decision leaves behind."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from advisor_hub.archive.models import ArchiveRecord
from advisor_hub.audit.services import trail_for
from advisor_hub.content_hash import content_hash
from advisor_hub.errors import DomainError, NotFound, PermissionDenied, ValidationError
from advisor_hub.notifications.models import Notification
from approvals import periods, services
from approvals.errors import AlreadyDecided, BadDecision, ClaimedByOther, OwnContent, SeniorOnly
from approvals.models import DecisionKind, ReviewDecision, ReviewStatus, Verdict


@pytest.fixture
def people(factory):
    branch = factory.branch("Lyon")
    return {
        "advisor": factory.user("advisor", branch=branch),
        "reviewer": factory.user("compliance"),
        "other_reviewer": factory.user("compliance"),
        "senior": factory.user("compliance", "senior_compliance"),
        "marketing": factory.user("marketing"),
    }


def _archived(db_session, review_id):
    rows = db_session.scalars(select(ArchiveRecord).where(ArchiveRecord.kind == "decision")
                              .order_by(ArchiveRecord.id))
    return [p for p in (json.loads(r.payload) for r in rows) if p["review_id"] == review_id]


def _notices(db_session, user):
    return list(db_session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_submit_screens_and_stores_the_exact_content(db_session, people, submit) -> None:
    review = submit(people["advisor"], "Guaranteed returns, risk-free!",
                    link_url="https://bit.ly/x")
    assert review.status == ReviewStatus.PENDING
    assert review.content_hash == content_hash("Guaranteed returns, risk-free!",
                                               "https://bit.ly/x", None)
    rules = {f["rule"] for f in review.findings}
    assert "lexicon:guaranteed returns" in rules and "lexicon:risk-free" in rules
    assert "link:shortened" in rules
    assert review.blocking_count >= 2 and review.findings_count == len(review.findings)
    assert review.lexicon_version >= 1
    for f in review.findings:
        if f["field"] == "text":
            assert review.text[f["start"]:f["end"]]


def test_approve(db_session, people, submit, decisions_seen) -> None:
    review = submit(people["advisor"])
    services.claim(db_session, review_id=review.id, actor=people["reviewer"])
    services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                    decision=Verdict.APPROVE)
    assert review.status == ReviewStatus.APPROVED and review.decided_by_id == people["reviewer"].id
    info = services.get_approval(db_session, review.id)
    assert info.stands and info.content_hash == review.content_hash
    assert info.approved_by_id == people["reviewer"].id
    assert info.lexicon_version == review.lexicon_version
    assert decisions_seen.seen == [(review.subject_id, ReviewStatus.APPROVED, review.id)]
    archived = _archived(db_session, review.id)
    assert archived[-1]["decision"] == "approved"
    assert archived[-1]["content_hash"] == review.content_hash
    assert set(archived[-1]) == {"review_id", "kind", "subject_id", "decision", "reason_code",
                                 "comment", "content_hash", "lexicon_version", "decided_by_id",
                                 "author_id", "decided_at"}
    assert [e.action for e in trail_for(db_session, review)] == ["review.submitted",
                                                                 "review.approved"]
    assert len(_notices(db_session, people["advisor"])) == 1


def test_reject_needs_a_reason_and_sanitises_the_comment(db_session, people, submit,
                                                         decisions_seen) -> None:
    review = submit(people["advisor"])
    with pytest.raises(BadDecision):
        services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                        decision=Verdict.REJECT, reason_code="", comment="no")
    with pytest.raises(BadDecision):
        services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                        decision=Verdict.REJECT, reason_code="not-a-code", comment="no")
    assert review.status == ReviewStatus.PENDING and decisions_seen.seen == []
    with pytest.raises(ValidationError, match="HTML"):  # refused, never stripped
        services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                        decision=Verdict.REJECT, reason_code="promise",
                        comment="<script>alert(1)</script><b>Too</b> bold")
    assert review.status == ReviewStatus.PENDING
    services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                    decision=Verdict.REJECT, reason_code="promise", comment="Too bold")
    assert review.status == ReviewStatus.REJECTED and review.reason_code == "promise"
    assert review.comment == "Too bold"
    assert decisions_seen.seen[-1][1] == ReviewStatus.REJECTED
    assert _archived(db_session, review.id)[-1]["reason_code"] == "promise"
    notice = _notices(db_session, people["advisor"])[-1]
    assert notice.params["reason"]["en"] == "Promise of return or absence of risk"
    assert notice.params["reason"]["fr"] == "Promesse de rendement ou d'absence de risque"


def test_request_changes_needs_a_comment_and_keeps_history(db_session, people, submit,
                                                           decisions_seen) -> None:
    review = submit(people["advisor"], subject_id=77)
    with pytest.raises(BadDecision):
        services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                        decision=Verdict.REQUEST_CHANGES, comment="   ")
    with pytest.raises(ValidationError, match="HTML"):
        services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                        decision=Verdict.REQUEST_CHANGES, comment="  <i></i> ")
    services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                    decision=Verdict.REQUEST_CHANGES, comment="Add the risk warning.")
    assert review.status == ReviewStatus.CHANGES_REQUESTED
    assert decisions_seen.seen[-1] == (77, ReviewStatus.CHANGES_REQUESTED, review.id)
    again = submit(people["advisor"], "Now with a risk warning.", subject_id=77)
    assert [r.id for r in services.subject_history(db_session, again)] == [review.id]


def test_escalation_then_senior_decides(db_session, people, submit, decisions_seen) -> None:
    review = submit(people["advisor"])
    with pytest.raises(BadDecision):
        services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                        decision=Verdict.ESCALATE, comment="")
    services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                    decision=Verdict.ESCALATE, comment="Legal should look at this.")
    assert review.status == ReviewStatus.ESCALATED and review.escalation_level == 1
    told = _notices(db_session, people["senior"])
    assert len(told) == 1 and told[0].url == f"/review/{review.id}"
    assert told[0].params["note"] == "Legal should look at this."
    assert decisions_seen.seen == []  # not an outcome for the owner yet
    with pytest.raises(SeniorOnly):
        services.decide(db_session, review_id=review.id, actor=people["other_reviewer"],
                        decision=Verdict.APPROVE)
    with pytest.raises(SeniorOnly):
        services.claim(db_session, review_id=review.id, actor=people["other_reviewer"])
    services.decide(db_session, review_id=review.id, actor=people["senior"],
                    decision=Verdict.APPROVE)
    assert review.status == ReviewStatus.APPROVED and review.decided_by_id == people["senior"].id
    decisions = [d.decision for d in services.decisions_of(db_session, review.id)]
    assert decisions == [DecisionKind.ESCALATED, DecisionKind.APPROVED]


def test_block_finding_needs_a_senior_override_with_justification(db_session, people,
                                                                  submit) -> None:
    review = submit(people["advisor"], "This is risk-free.")
    assert review.blocking_count == 1
    with pytest.raises(SeniorOnly):
        services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                        decision=Verdict.APPROVE)
    with pytest.raises(BadDecision):
        services.decide(db_session, review_id=review.id, actor=people["senior"],
                        decision=Verdict.APPROVE, justification="  ")
    assert review.status == ReviewStatus.PENDING
    services.decide(db_session, review_id=review.id, actor=people["senior"],
                    decision=Verdict.APPROVE,
                    justification="Quoted from the regulator's own warning.")
    assert review.status == ReviewStatus.APPROVED
    assert review.override_justification == "Quoted from the regulator's own warning."
    assert "review.override_approved" in [e.action for e in trail_for(db_session, review)]


def test_nobody_decides_on_their_own_content(db_session, people, submit) -> None:
    own = submit(people["senior"], "My own text.")
    for decision in Verdict:
        with pytest.raises(OwnContent):
            services.decide(db_session, review_id=own.id, actor=people["senior"],
                            decision=decision, reason_code="other", comment="x",
                            justification="x")
    with pytest.raises(OwnContent):
        services.claim(db_session, review_id=own.id, actor=people["senior"])
    assert own.status == ReviewStatus.PENDING


def test_only_reviewers_decide(db_session, people, submit) -> None:
    review = submit(people["advisor"])
    with pytest.raises(PermissionDenied):
        services.decide(db_session, review_id=review.id, actor=people["marketing"],
                        decision=Verdict.APPROVE)


def test_claims_and_their_expiry(db_session, people, submit) -> None:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        review = submit(people["advisor"])
        services.claim(db_session, review_id=review.id, actor=people["reviewer"])
        assert review.claimed_by_id == people["reviewer"].id
        assert review.claim_expires_at == start + timedelta(minutes=15)
        with pytest.raises(ClaimedByOther):
            services.claim(db_session, review_id=review.id, actor=people["other_reviewer"])
        # A forged decision on an item another reviewer holds changes nothing.
        with pytest.raises(ClaimedByOther):
            services.decide(db_session, review_id=review.id, actor=people["other_reviewer"],
                            decision=Verdict.APPROVE)
        assert review.status == ReviewStatus.PENDING
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        services.claim(db_session, review_id=review.id, actor=people["other_reviewer"])
        assert review.claimed_by_id == people["other_reviewer"].id
        with pytest.raises(ClaimedByOther):
            services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                            decision=Verdict.APPROVE)
        services.decide(db_session, review_id=review.id, actor=people["other_reviewer"],
                        decision=Verdict.APPROVE)
        assert review.status == ReviewStatus.APPROVED and review.claimed_by_id is None


def test_a_decision_posted_twice_is_refused(db_session, people, submit, decisions_seen) -> None:
    review = submit(people["advisor"])
    services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                    decision=Verdict.APPROVE, expected_version=review.version)
    with pytest.raises(AlreadyDecided):
        services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                        decision=Verdict.APPROVE)
    with pytest.raises(AlreadyDecided):
        services.claim(db_session, review_id=review.id, actor=people["reviewer"])
    assert len(decisions_seen.seen) == 1
    assert len(db_session.scalars(select(ReviewDecision).where(
        ReviewDecision.review_id == review.id)).all()) == 1
    assert len(_archived(db_session, review.id)) == 1


def test_stale_page_is_refused(db_session, people, submit) -> None:
    review = submit(people["advisor"])
    seen_version = review.version
    services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                    decision=Verdict.ESCALATE, comment="to legal")
    with pytest.raises(AlreadyDecided):
        services.decide(db_session, review_id=review.id, actor=people["senior"],
                        decision=Verdict.APPROVE, expected_version=seen_version)
    assert review.status == ReviewStatus.ESCALATED


def test_withdraw(db_session, people, submit, decisions_seen) -> None:
    review = submit(people["advisor"])
    with pytest.raises(PermissionDenied):
        services.withdraw(db_session, review_id=review.id, actor=people["reviewer"])
    services.withdraw(db_session, review_id=review.id, actor=people["advisor"])
    assert review.status == ReviewStatus.WITHDRAWN
    assert decisions_seen.seen[-1][1] == ReviewStatus.WITHDRAWN
    with pytest.raises(AlreadyDecided):
        services.withdraw(db_session, review_id=review.id, actor=people["advisor"])
    with pytest.raises(NotFound):
        services.withdraw(db_session, review_id=999999, actor=people["advisor"])


def test_resubmission_supersedes_the_open_review(db_session, people, submit) -> None:
    first = submit(people["advisor"], "v1", subject_id=5)
    second = submit(people["advisor"], "v2", subject_id=5)
    assert first.status == ReviewStatus.WITHDRAWN and second.status == ReviewStatus.PENDING


def test_approve_from_library(db_session, people, submit) -> None:
    basis = submit(people["marketing"], "Our savings offer, {advisor_first_name}.",
                   kind="test_item")
    with pytest.raises(ValidationError):
        services.approve_from_library(
            db_session, kind="test_item", subject_id=900, author=people["advisor"],
            content=services.ReviewContent("Our savings offer, Alice."),
            basis_review_id=basis.id)
    services.decide(db_session, review_id=basis.id, actor=people["reviewer"],
                    decision=Verdict.APPROVE)
    content = services.ReviewContent("Our savings offer, Alice.")
    review = services.approve_from_library(
        db_session, kind="test_item", subject_id=900, author=people["advisor"],
        content=content, basis_review_id=basis.id)
    info = services.get_approval(db_session, review.id)
    assert info.stands and info.content_hash == content.hash
    assert info.approved_by_id == people["reviewer"].id
    assert review.basis_review_id == basis.id
    assert _archived(db_session, review.id)[-1]["decision"] == "approved_from_library"


def test_unknown_kind_and_empty_text_are_refused(db_session, people) -> None:
    with pytest.raises(DomainError):
        services.submit_for_review(db_session, kind="nope", subject_id=1,
                                   author=people["advisor"],
                                   content=services.ReviewContent("hi"), networks=[],
                                   branch_id=None)
    with pytest.raises(ValidationError):
        services.submit_for_review(db_session, kind="test_item", subject_id=1,
                                   author=people["advisor"],
                                   content=services.ReviewContent("  "), networks=[],
                                   branch_id=None)


def test_pending_items_and_unused_approvals_expire(db_session, people, submit,
                                                   decisions_seen, monkeypatch) -> None:
    monkeypatch.setattr(periods, "APPROVAL_EXPIRY_KINDS", ("test_item",))
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        old = submit(people["advisor"], "old one")
        approved = submit(people["advisor"], "approved one")
        used = submit(people["advisor"], "used one")
        for review in (approved, used):
            services.decide(db_session, review_id=review.id, actor=people["reviewer"],
                            decision=Verdict.APPROVE)
        services.mark_used(db_session, review_ids=[used.id])
    with time_machine.travel(start + timedelta(days=89), tick=False):
        fresh = submit(people["advisor"], "fresh one")
        assert services.expire_reviews(db_session) == 0
    with time_machine.travel(start + timedelta(days=91), tick=False):
        assert services.get_approval(db_session, approved.id).stands is False
        assert services.expire_reviews(db_session) == 2
    assert old.status == ReviewStatus.EXPIRED and approved.status == ReviewStatus.EXPIRED
    assert used.status == ReviewStatus.APPROVED and fresh.status == ReviewStatus.PENDING
    assert ReviewStatus.EXPIRED in [o for _s, o, _r in decisions_seen.seen]
    messages = [n.message for n in _notices(db_session, people["advisor"])]
    assert sum("expired" in m for m in messages) == 2
