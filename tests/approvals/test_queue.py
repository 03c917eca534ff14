"""The queue: a constant number of SQL queries per page, filters, the turnaround target."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from approvals import queue, rules, services
from approvals.models import Verdict
from approvals.queue import QueueFilter, elapsed_minutes
from tests.approvals.conftest import TEST_KIND


def _fill(db_session, factory, n: int, first: int = 0) -> None:
    branches = [factory.branch() for _ in range(3)]
    authors = [factory.user("advisor", branch=branches[i % 3]) for i in range(5)]
    for i in range(n):
        services.submit_for_review(
            db_session, kind=TEST_KIND, subject_id=10_000 + first + i, author=authors[i % 5],
            content=services.ReviewContent(f"Text {i} with guaranteed returns"),
            networks=["linkedin", "x"], branch_id=authors[i % 5].branch_id)
    db_session.flush()


def _queries_for_page(client, count_queries) -> int:
    with count_queries() as counter:
        response = client.get("/review/?per_page=100")
    assert response.status_code == 200
    return counter.count


@pytest.mark.both_backends
def test_queue_page_issues_a_constant_number_of_queries(client, auth, db_session, factory,
                                                        count_queries) -> None:
    reviewer = factory.user("compliance")
    _fill(db_session, factory, 10)
    auth.login(reviewer)
    small = _queries_for_page(client, count_queries)
    _fill(db_session, factory, 90, first=10)
    large = _queries_for_page(client, count_queries)
    html = client.get("/review/?per_page=100").get_data(as_text=True)
    assert html.count("data-review-id=") == 100
    assert small == large, (small, large)


def test_filters(db_session, factory, submit) -> None:
    reviewer = factory.user("compliance")
    lyon, paris = factory.branch("Lyon"), factory.branch("Paris")
    alice = factory.user("advisor", branch=lyon)
    bob = factory.user("advisor", branch=paris)
    clean = submit(alice, "A calm note")
    flagged = submit(bob, "risk-free")
    library = submit(factory.user("marketing"), "Library text", kind=TEST_KIND)

    def ids(**kw):
        page = queue.list_queue(db_session, actor=reviewer, filters=QueueFilter(**kw))
        return [r.id for r in page.items]

    assert ids() == [clean.id, flagged.id, library.id]
    assert ids(sort="newest") == [library.id, flagged.id, clean.id]
    assert ids(branch_id=lyon.id) == [clean.id]
    assert ids(author_id=bob.id) == [flagged.id]
    assert ids(has_findings=True) == [flagged.id]
    assert ids(has_findings=False) == [clean.id, library.id]
    assert ids(kind="post") == []
    services.decide(db_session, review_id=flagged.id, actor=reviewer, decision=Verdict.ESCALATE,
                    comment="legal")
    assert ids(escalated=True) == [flagged.id]
    services.decide(db_session, review_id=clean.id, actor=reviewer, decision=Verdict.APPROVE)
    assert clean.id not in ids()


def test_items_past_the_target_are_marked(db_session, factory, submit) -> None:
    reviewer = factory.user("compliance")
    rules.update_settings(db_session, actor=reviewer, sla_minutes=240, sla_business_hours=True)
    monday_9 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Paris
    with time_machine.travel(monday_9, tick=False):
        old = submit(factory.user("advisor"), "old")
    with time_machine.travel(monday_9 + timedelta(hours=3), tick=False):
        new = submit(factory.user("advisor"), "new")
    with time_machine.travel(monday_9 + timedelta(hours=4, minutes=30), tick=False):
        rows = {r.id: r for r in queue.list_queue(db_session, actor=reviewer,
                                                   filters=QueueFilter()).items}
    assert rows[old.id].past_target and rows[old.id].age_minutes == 270
    assert not rows[new.id].past_target


def test_business_minutes() -> None:
    friday_16 = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 16:00 Paris
    monday_10 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)   # 10:00 Paris
    assert elapsed_minutes(friday_16, monday_10, business=True) == 120
    assert elapsed_minutes(friday_16, monday_10, business=False) == (3 * 24 - 6) * 60
    assert elapsed_minutes(monday_10, friday_16, business=True) == 0
