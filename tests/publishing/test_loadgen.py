"""The load generator's rows carry real approvals: the real publish-time re-check (approvals
and library packages, no fakes) lets them out, and cancels one whose approval was taken back."""

from __future__ import annotations

from sqlalchemy import func, select, update

import approvals.services
from advisor_hub.accounts.models import User
from advisor_hub.publishing import upstream
from advisor_hub.publishing.dispatch import REASON_APPROVAL
from advisor_hub.publishing.models import FailureClass, Post, PublicationTarget, TargetState
from advisor_hub.roles import Role
from approvals.models import ReviewRequest
from tests.publishing.conftest import KEY
from tests.support.loadgen import seed_due_rows


def _states(db_session) -> dict[str, int]:
    db_session.expire_all()
    return dict(db_session.execute(select(PublicationTarget.state, func.count())
                                   .group_by(PublicationTarget.state)).all())


def test_seeded_rows_pass_the_real_recheck(db_session, sandbox, dispatcher):
    assert upstream.approvals_api() is approvals.services  # not a fake
    seed_due_rows(db_session, sandbox_url=sandbox.url, key=KEY, rows=6, accounts=2)
    targets = db_session.scalars(select(PublicationTarget)).all()
    assert len(targets) == 6 and len({t.post_id for t in targets}) == 3
    for target in targets:
        review = db_session.get(ReviewRequest, target.review_id)
        post = db_session.get(Post, target.post_id)
        assert post.review_id == review.id
        assert (review.kind, review.subject_id, review.status) == ("post", post.id, "approved")
        assert review.content_hash == target.content_hash
        reviewer = db_session.get(User, review.decided_by_id)
        assert reviewer.id != post.author_id and reviewer.has_role(Role.COMPLIANCE)
        assert approvals.services.get_approval(db_session, review.id).stands
    assert dispatcher.run_once().outcomes == {"published": 6}
    assert _states(db_session) == {TargetState.PUBLISHED: 6}
    assert sandbox.state.stats()["posts"] == 6
    assert all(db_session.get(ReviewRequest, t.review_id).used_at for t in targets)


def test_a_row_whose_approval_was_withdrawn_is_cancelled_not_sent(db_session, sandbox,
                                                                   dispatcher):
    seed_due_rows(db_session, sandbox_url=sandbox.url, key=KEY, rows=4, accounts=1)
    revoked = db_session.scalars(select(PublicationTarget).order_by(PublicationTarget.id)).first()
    # approvals has no service that takes back a decided approval: set the status by hand.
    db_session.execute(update(ReviewRequest).where(ReviewRequest.id == revoked.review_id)
                       .values(status="rejected", reason_code="other",
                               version=ReviewRequest.version + 1))
    db_session.flush()
    assert dispatcher.run_once().outcomes == {"published": 3, "cancelled": 1}
    assert _states(db_session) == {TargetState.PUBLISHED: 3, TargetState.CANCELLED: 1}
    db_session.refresh(revoked)
    assert revoked.state == TargetState.CANCELLED and revoked.failure_class == FailureClass.PRECHECK
    assert revoked.last_error == REASON_APPROVAL and revoked.network_post_id is None
    assert sandbox.state.stats()["posts"] == 3
