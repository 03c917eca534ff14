"""An advisor sees only what they may use now: approved, inside its window, their branch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from advisor_hub.errors import NotFound
from content_library import services

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


@pytest.mark.both_backends
def test_window_and_audience(db_session, library, factory) -> None:
    lyon, paris = factory.branch("Lyon"), factory.branch("Paris")
    alice = factory.user("advisor", branch=lyon)
    david = factory.user("advisor", branch=paris)
    nomad = factory.user("advisor")  # no branch: only "all advisors" items
    # Written and approved at T0: a window already over could not be sent for review.
    with time_machine.travel(T0, tick=False):
        everyone = library.approved(title="Everyone")
        lyon_only = library.approved(title="Lyon only", audience_all=False,
                                     branch_ids=[lyon.id])
        later = library.approved(title="Later", available_from=T0 + timedelta(days=10))
        ending = library.approved(title="Ending", expires_at=T0 + timedelta(days=5))
        library.draft(title="Draft never shown")

    def titles(advisor) -> set[str]:
        return {v.title for v in services.search_library(db_session, advisor=advisor).items}

    with time_machine.travel(T0, tick=False):
        assert titles(alice) == {"Everyone", "Lyon only", "Ending"}
        assert titles(david) == {"Everyone", "Ending"}
        assert titles(nomad) == {"Everyone", "Ending"}
        with pytest.raises(NotFound):
            services.get_version_for_use(db_session, version_id=lyon_only.id, advisor=david)
        with pytest.raises(NotFound):
            services.get_version_for_use(db_session, version_id=later.id, advisor=alice)
    with time_machine.travel(T0 + timedelta(days=6), tick=False):
        assert titles(alice) == {"Everyone", "Lyon only"}
        with pytest.raises(NotFound):
            services.get_version_for_use(db_session, version_id=ending.id, advisor=alice)
    with time_machine.travel(T0 + timedelta(days=11), tick=False):
        assert titles(david) == {"Everyone", "Later"}
        assert services.get_version_for_use(db_session, version_id=later.id, advisor=david)
    services.retire_item(db_session, actor=library.curator, item_id=everyone.item_id)
    with time_machine.travel(T0, tick=False):
        assert "Everyone" not in titles(alice)
        with pytest.raises(NotFound):
            services.get_version_for_use(db_session, version_id=everyone.id, advisor=alice)


def test_newest_first_filters_and_pagination(db_session, library, factory) -> None:
    advisor = factory.user("advisor", branch=factory.branch())
    for n in range(30):
        library.approved(title=f"Post {n:02d}", networks=["x"] if n % 2 else ["linkedin"],
                         tags=["savings"] if n % 3 == 0 else ["loans"],
                         campaign="Spring" if n < 5 else None)
    page = services.search_library(db_session, advisor=advisor, per_page=12)
    assert page.total == 30 and page.pages == 3
    assert [v.title for v in page.items[:2]] == ["Post 29", "Post 28"]
    last = services.search_library(db_session, advisor=advisor, per_page=12, page=3)
    assert len(last.items) == 6 and last.items[-1].title == "Post 00"
    assert services.search_library(db_session, advisor=advisor, network="x").total == 15
    assert services.search_library(db_session, advisor=advisor, tag="Savings").total == 10
    assert services.search_library(db_session, advisor=advisor, campaign="Spring").total == 5
    both = services.search_library(db_session, advisor=advisor, network="linkedin",
                                   tag="savings")
    assert {v.title for v in both.items} == {f"Post {n:02d}" for n in (0, 6, 12, 18, 24)}


def test_retired_item_by_direct_url_is_404(client, db_session, library, factory, auth) -> None:
    advisor = factory.user("advisor", branch=factory.branch())
    version = library.approved()
    services.retire_item(db_session, actor=library.curator, item_id=version.item_id)
    db_session.flush()
    auth.login(advisor)
    assert client.get(f"/library/use/{version.id}").status_code == 404
