"""The branch manager's list: every advisor of the branch, linked or not, with their last
post and its state; "everyone has published" only when it is true."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from advisor_hub.dashboard import services
from advisor_hub.dashboard.services import Scope
from tests.dashboard.dataset import account, build, post


def test_the_manager_sees_every_advisor_of_the_branch(client, auth, db_session, factory) -> None:
    data = build(db_session, factory)
    auth.login(data.users["manager"])
    page = client.get("/dashboard/").get_data(as_text=True)
    for name in ("a1", "a2", "a3"):
        assert f'data-advisor="{data.users[name].id}"' in page, name
    assert f'data-advisor="{data.users["p2"].id}"' not in page  # another branch
    assert f'data-advisor="{data.users["a3"].id}" data-nudge="link"' in page
    assert "Link an account" in page
    assert 'data-testid="everyone-published"' not in page


def _branch_where_all_published(db_session, factory, *, with_unlinked: bool):
    branch = factory.branch("Nice")
    manager = factory.user("branch_manager", branch=branch)
    advisor = factory.user("advisor", branch=branch, first_name="Zoé")
    linked = account(db_session, advisor)
    recent = datetime.now(UTC) - timedelta(days=2)
    post(db_session, advisor, source="free_form", state="published", created=recent,
         targets=[{"account": linked, "state": "published", "published": recent}])
    if with_unlinked:
        factory.user("advisor", branch=branch, first_name="Yann")
    db_session.flush()
    return branch, manager


def test_everyone_published_only_when_true(client, auth, db_session, factory) -> None:
    branch, manager = _branch_where_all_published(db_session, factory, with_unlinked=False)
    rows = services.advisors(db_session, Scope(branch.id, False))
    assert [(r.name.split()[0], r.nudge, str(r.last_post_state)) for r in rows] == [
        ("Zoé", None, "published")]
    auth.login(manager)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert 'data-testid="everyone-published"' in page


def test_an_advisor_without_account_means_not_everyone(client, auth, db_session,
                                                       factory) -> None:
    _branch, manager = _branch_where_all_published(db_session, factory, with_unlinked=True)
    auth.login(manager)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert 'data-testid="everyone-published"' not in page
    assert 'data-nudge="link"' in page and "Yann" in page
