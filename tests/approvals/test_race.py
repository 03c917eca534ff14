"""Two reviewers at once on PostgreSQL: real commits, two connections, one winner."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from advisor_hub.accounts import services as accounts
from advisor_hub.accounts.models import User
from advisor_hub.db import make_engine
from approvals import services
from approvals.errors import AlreadyDecided, ClaimedByOther
from approvals.models import ReviewDecision, ReviewRequest, ReviewStatus, Verdict
from tests.approvals.conftest import TEST_KIND
from tests.conftest import PASSWORD

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def sessions(fresh_database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(fresh_database_url)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


def _setup(make: sessionmaker[Session]) -> tuple[int, int, int]:
    with make() as session:
        people = [accounts.create_user(session, actor=None, email=f"{name}@race.example",
                                       first_name=name, last_name="R", password=PASSWORD,
                                       roles=roles)
                  for name, roles in (("author", ("advisor",)), ("ann", ("compliance",)),
                                      ("ben", ("compliance",)))]
        review = services.submit_for_review(
            session, kind=TEST_KIND, subject_id=1, author=people[0],
            content=services.ReviewContent("A calm text"), networks=["linkedin"],
            branch_id=None)
        session.commit()
        return review.id, people[1].id, people[2].id


def _in_thread(func) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(func())
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _backend_pid(session: Session) -> int:
    return session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def _wait_until_blocked(make: sessionmaker[Session], waiter: int, holder: int,
                        thread: threading.Thread, outcome: list[object]) -> None:
    """Return once PostgreSQL shows connection ``waiter`` waiting for a lock ``holder`` has;
    fail if the thread ends first (it did not wait) or after a generous 60 s."""
    deadline = time.monotonic() + 60
    with make() as observer:
        while time.monotonic() < deadline:
            blocked = observer.execute(text("SELECT :holder = ANY(pg_blocking_pids(:waiter))"),
                                       {"holder": holder, "waiter": waiter}).scalar_one()
            observer.rollback()
            if blocked:
                return
            if not thread.is_alive():
                pytest.fail(f"the second transaction did not wait for the first: {outcome}")
            time.sleep(0.01)
    pytest.fail("the second transaction was not seen waiting for the lock within 60 s")


def _finish(thread: threading.Thread) -> None:
    thread.join(60)
    assert not thread.is_alive(), "the second transaction still waits after the first committed"


def test_two_decisions_at_once_one_wins(sessions, decisions_seen) -> None:
    review_id, ann_id, ben_id = _setup(sessions)
    first, second = sessions(), sessions()
    try:
        ann = first.get(User, ann_id)
        ben = second.get(User, ben_id)
        second.get(ReviewRequest, review_id)  # Ben has the page open too
        services.decide(first, review_id=review_id, actor=ann, decision=Verdict.APPROVE)

        def bens_reject():
            services.decide(second, review_id=review_id, actor=ben, decision=Verdict.REJECT,
                            reason_code="other", comment="no")
            second.commit()

        first_pid, second_pid = _backend_pid(first), _backend_pid(second)
        thread, outcome = _in_thread(bens_reject)
        _wait_until_blocked(sessions, second_pid, first_pid, thread, outcome)
        first.commit()
        _finish(thread)
        assert isinstance(outcome[0], AlreadyDecided), outcome
        second.rollback()
    finally:
        first.close()
        second.close()
    with sessions() as check:
        review = check.get(ReviewRequest, review_id)
        assert review.status == ReviewStatus.APPROVED and review.decided_by_id == ann_id
        assert len(check.query(ReviewDecision).filter_by(review_id=review_id).all()) == 1


def test_two_claims_at_once_one_wins(sessions) -> None:
    review_id, ann_id, ben_id = _setup(sessions)
    first, second = sessions(), sessions()
    try:
        services.claim(first, review_id=review_id, actor=first.get(User, ann_id))
        ben = second.get(User, ben_id)
        first_pid, second_pid = _backend_pid(first), _backend_pid(second)
        thread, outcome = _in_thread(
            lambda: services.claim(second, review_id=review_id, actor=ben))
        _wait_until_blocked(sessions, second_pid, first_pid, thread, outcome)
        first.commit()
        _finish(thread)
        assert isinstance(outcome[0], ClaimedByOther), outcome
        second.rollback()
        # Ben's forged decision on Ann's item is refused too.
        with pytest.raises(ClaimedByOther):
            services.decide(second, review_id=review_id, actor=ben, decision=Verdict.APPROVE)
        second.rollback()
    finally:
        first.close()
        second.close()
    with sessions() as check:
        review = check.get(ReviewRequest, review_id)
        assert review.status == ReviewStatus.PENDING and review.claimed_by_id == ann_id
