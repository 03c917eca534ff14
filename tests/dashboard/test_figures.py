"""Dashboard figures on the hand-built data set (dataset.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from advisor_hub.dashboard import services
from advisor_hub.dashboard.services import Period, Scope
from advisor_hub.errors import PermissionDenied
from tests.dashboard.dataset import at, build

pytestmark = pytest.mark.both_backends

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), "UTC")
ALL = Scope(None, True)


@pytest.fixture
def data(db_session, factory):
    return build(db_session, factory)


def test_adoption_per_branch_and_overall(db_session, data) -> None:
    rows = services.adoption(db_session, ALL, NOVEMBER)
    assert [(r.branch, r.advisors, r.linked, r.active) for r in rows] == [
        ("Lyon", 3, 2, 1), ("Paris", 2, 1, 1), (None, 5, 3, 2)]
    lyon = services.adoption(db_session, Scope(data.lyon.id, False), NOVEMBER)
    assert [(r.branch, r.advisors, r.linked, r.active) for r in lyon] == [
        ("Lyon", 3, 2, 1), (None, 3, 2, 1)]


def test_posts_by_source(db_session, data) -> None:
    rows = services.posts_by_source(db_session, ALL, NOVEMBER)
    overall = {r.source: (r.posts, r.published) for r in rows if r.branch is None}
    assert overall == {"library": (3, 2), "life_event": (1, 1), "free_form": (4, 0)}
    lyon = {(r.source): (r.posts, r.published) for r in rows if r.branch == "Lyon"}
    assert lyon == {"library": (3, 2), "free_form": (3, 0)}


def test_top_library_items(db_session, data) -> None:
    rows = services.top_library_items(db_session, ALL, NOVEMBER)
    assert [(r.title, r.uses, r.advisors) for r in rows] == [
        ("Green mortgage v2", 2, 1), ("Retirement savings", 1, 1)]
    paris = services.top_library_items(db_session, Scope(data.paris.id, False), NOVEMBER)
    assert [(r.title, r.uses) for r in paris] == [("Retirement savings", 1)]


def test_approval_turnaround_median_and_p90(db_session, data) -> None:
    rows = services.approval_turnaround(db_session, ALL, NOVEMBER)
    # percentile_cont: posts 1,2,3,10 h → median 2.5, p90 3 + 0.7·7 = 7.9;
    # library items 4, 8 h → median 6, p90 7.6.
    assert [(r.kind, r.decided, r.median_hours, r.p90_hours) for r in rows] == [
        ("library_item", 2, 6.0, 7.6), ("post", 4, 2.5, 7.9)]
    lyon = services.approval_turnaround(db_session, Scope(data.lyon.id, False), NOVEMBER)
    assert [(r.kind, r.decided, r.median_hours, r.p90_hours) for r in lyon] == [
        ("post", 2, 1.5, 1.9)]


def test_rejection_reasons(db_session, data) -> None:
    rows = services.rejection_reasons(db_session, ALL, NOVEMBER)
    assert sorted((r.label, r.detail, r.count) for r in rows) == [
        ("misleading", "library_item", 1), ("misleading", "post", 1), ("pii", "post", 1)]


def test_publishing_failures(db_session, data) -> None:
    rows = services.publishing_failures(db_session, ALL, NOVEMBER)
    assert [(r.label, r.detail, r.count) for r in rows] == [
        ("linkedin", "permanent", 2), ("facebook", "reauth", 1), ("linkedin", "precheck", 1)]
    lyon = services.publishing_failures(db_session, Scope(data.lyon.id, False), NOVEMBER)
    assert {(r.label, r.detail): r.count for r in lyon} == {
        ("linkedin", "permanent"): 2, ("linkedin", "precheck"): 1}


def test_nudges(db_session, data) -> None:
    rows = services.nudges(db_session, ALL, now=at(12, 1))
    # Never linked an account (a3 unlinked it, p2 never linked one): "link an account" first.
    assert {r.name.split()[0] for r in rows[:2]} == {"a3", "p2"}
    assert {r.nudge for r in rows[:2]} == {services.Nudge.LINK}
    assert [(r.name, r.last_published_at, r.nudge) for r in rows[2:]] == [
        ("a2 " + data.users["a2"].last_name, at(10, 1), services.Nudge.PUBLISH)]
    assert rows[2].suggestions == ["Retirement savings", "Green mortgage v2"]
    assert all(r.suggestions == [] for r in rows[:2])
    paris = services.nudges(db_session, Scope(data.paris.id, False), now=at(12, 1))
    assert [r.name.split()[0] for r in paris] == ["p2"]
    # A month later a1 and p1 are silent too; never-published advisors come first.
    later = services.nudges(db_session, ALL, now=at(12, 25))
    assert [r.name.split()[0] for r in later if r.nudge is services.Nudge.PUBLISH] == [
        "a2", "a1", "p1"]


def test_every_advisor_is_listed_with_their_last_post(db_session, data) -> None:
    rows = services.advisors(db_session, ALL, now=at(12, 1))
    assert sorted(r.name.split()[0] for r in rows) == ["a1", "a2", "a3", "p1", "p2"]
    by_name = {r.name.split()[0]: r for r in rows}
    assert by_name["p2"].linked is False and by_name["a3"].linked is False
    assert by_name["a1"].nudge is None and by_name["a1"].linked
    for name in ("a1", "a2", "p1"):
        row = by_name[name]
        assert row.last_post_id is not None and row.last_post_state is not None, name
        assert row.last_post_at is not None
    assert rows[-1].nudge is None  # the advisors up to date come last


def test_scope_by_role(db_session, data) -> None:
    manager = data.users["manager"]
    assert services.dashboard_scope(manager) == Scope(data.lyon.id, False)
    with pytest.raises(PermissionDenied):
        services.dashboard_scope(manager, data.paris.id)
    assert services.dashboard_scope(data.users["marketing"], data.paris.id) == Scope(
        data.paris.id, True)
    with pytest.raises(PermissionDenied):
        services.dashboard_scope(data.users["a1"])


def test_whole_dashboard_is_a_few_queries(db_session, data, count_queries) -> None:
    with count_queries() as counter:
        services.build_dashboard(db_session, actor=data.users["marketing"], period=NOVEMBER,
                                 now=at(12, 1))
    assert counter.count <= 20


@pytest.mark.parametrize("hours", [[5.0], [1.0, 9.0, 4.0], [0.5, 2, 2, 7, 11, 30, 3.25]])
def test_percentiles_match_percentile_cont(db_session, factory, hours) -> None:
    from tests.dashboard.dataset import review

    author, reviewer = factory.user(), factory.user("compliance")
    for h in hours:
        review(db_session, author, kind="life_event", status="approved", branch=None,
               submitted=at(11, 10), hours=h, decided_by=reviewer)

    def cont(values: list[float], p: float) -> float:  # PostgreSQL's definition
        values = sorted(values)
        position = p * (len(values) - 1)
        low = int(position)
        upper = values[min(low + 1, len(values) - 1)]
        return values[low] + (upper - values[low]) * (position - low)

    (row,) = services.approval_turnaround(db_session, ALL, NOVEMBER)
    assert row.decided == len(hours)
    assert row.median_hours == round(cont(hours, 0.5), 2)
    assert row.p90_hours == round(cont(hours, 0.9), 2)
