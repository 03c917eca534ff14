"""The dispatcher against the Sandbox playing each network rule: a retired API version (426),
X credits used up (402), app credentials refused, a storm of server errors, a posting limit,
an invalidated token. App-wide faults hold every row (nothing sent, nothing failed) and the
rows go out once fixed, none lost or doubled; a row over a limit waits for its slot."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from advisor_hub.connectors import holds
from advisor_hub.connectors.models import AccountGrant, HoldCause, NetworkHold
from advisor_hub.connectors.rules import Limit, Scope
from advisor_hub.db import database, utcnow
from advisor_hub.notifications.models import Notification
from advisor_hub.publishing.dispatch import Dispatcher
from advisor_hub.publishing.models import (
    AccountStatus,
    LinkedAccount,
    PublicationTarget,
    TargetState,
)
from tests.publishing.helpers import pass_time
from tests.publishing.test_dispatch_batch import approved_posts

pytestmark = pytest.mark.both_backends


@pytest.fixture
def dispatchers(app: Flask) -> Iterator:
    made: list[Dispatcher] = []

    def make(**config: object) -> Dispatcher:
        dispatcher = Dispatcher(database(app).sessionmaker, {**app.config, **config})
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        dispatcher.close()


def _rows(db_session) -> list[PublicationTarget]:
    db_session.expire_all()
    return list(db_session.scalars(select(PublicationTarget).order_by(PublicationTarget.id)))


def _told(db_session, user) -> int:
    return db_session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id)) or 0


def test_a_retired_version_holds_every_row_until_the_version_changes(
        db_session, fakes, link, advisor, factory, dispatchers, sandbox) -> None:
    admin = factory.user("admin")
    accounts = [link(advisor, login="alice"), link(advisor, login="bob")]
    approved_posts(db_session, fakes, advisor, accounts, 3)
    due = {r.id: r.due_at for r in _rows(db_session)}
    sandbox.state.retired_versions = {"202411"}
    old = dispatchers(SANDBOX_API_VERSION="202411")
    before = _told(db_session, advisor)

    assert old.run_once().outcomes == {"held": 6}
    assert sandbox.state.stats()["posts"] == 0
    rows = _rows(db_session)
    assert {r.state for r in rows} == {TargetState.HELD}
    assert {r.id: r.due_at for r in rows} == due  # their order and time kept
    hold = db_session.scalar(select(NetworkHold))
    assert hold.cause == HoldCause.VERSION_RETIRED and hold.api_version == "202411"
    assert "not active" in hold.detail
    assert db_session.scalar(select(func.count()).select_from(NetworkHold)) == 1
    told_admin, told_advisor = _told(db_session, admin), _told(db_session, advisor)
    assert told_admin == 1 and told_advisor == before + 1  # once each, not once per row
    assert old.run_once().claimed == 0  # held: nothing goes out, nothing fails

    # The version is updated: the hold ends by itself, the rows go out, once each.
    new = {**dict(SANDBOX_API_VERSION="202608")}
    assert holds.release_on_version_change(db_session, new, utcnow())
    assert new_dispatcher_run(dispatchers, new) == {"published": 6}
    stats = sandbox.state.stats()
    assert stats["posts"] == 6 and not stats["keys_posted_more_than_once"]
    assert {r.state for r in _rows(db_session)} == {TargetState.PUBLISHED}
    assert _told(db_session, admin) == told_admin and _told(db_session, advisor) == told_advisor


def new_dispatcher_run(dispatchers, config) -> dict:
    return dict(dispatchers(**config).run_once().outcomes)


@pytest.mark.parametrize(("fault", "cause"), [("credits_exhausted", HoldCause.CREDITS_EXHAUSTED),
                                              ("client_refused", HoldCause.APP_CREDENTIALS)])
def test_credits_and_refused_app_credentials_hold_the_same_way(
        db_session, fakes, link, advisor, factory, dispatchers, sandbox, fault, cause) -> None:
    admin = factory.user("admin")
    accounts = [link(advisor, login="alice"), link(advisor, login="bob")]
    approved_posts(db_session, fakes, advisor, accounts, 2)
    sandbox.state.add_fault("publish", fault, count=100)
    dispatcher = dispatchers()
    assert dispatcher.run_once().outcomes == {"held": 4}
    hold = db_session.scalar(select(NetworkHold))
    assert hold.cause == cause and hold.active
    db_session.expire_all()
    assert all(a.status == AccountStatus.ACTIVE  # the app's fault: nobody must relink
               for a in db_session.scalars(select(LinkedAccount)))
    sandbox.state.clear_faults()  # fixed (credits bought, secret corrected)
    holds.resume_network(db_session, hold_id=hold.id, actor=admin, now=utcnow())
    assert dispatcher.run_once().outcomes == {"published": 4}
    stats = sandbox.state.stats()
    assert stats["posts"] == 4 and not stats["keys_posted_more_than_once"]


def test_a_storm_of_server_errors_holds_the_network(db_session, fakes, link, advisor, factory,
                                                    dispatchers, sandbox) -> None:
    admin = factory.user("admin")
    accounts = [link(advisor, login="alice"), link(advisor, login="bob")]
    approved_posts(db_session, fakes, advisor, accounts, 1)
    sandbox.state.add_fault("publish", "error", status=503, count=2)
    dispatcher = dispatchers(CONNECTOR_STORM_THRESHOLD=2)
    assert dispatcher.run_once().outcomes == {"retry": 2}  # nothing was sent (a 503)
    hold = db_session.scalar(select(NetworkHold))
    assert hold.cause == HoldCause.SERVER_ERRORS
    pass_time(db_session, 300)
    assert dispatcher.run_once().outcomes == {"held": 2}  # due again: held, not sent
    holds.resume_network(db_session, hold_id=hold.id, actor=admin, now=utcnow())
    pass_time(db_session, 300)
    assert dispatcher.run_once().outcomes == {"published": 2}
    assert sandbox.state.stats()["posts"] == 2


def test_a_row_over_the_limit_waits_for_its_slot_instead_of_a_429(
        db_session, fakes, link, advisor, dispatchers, sandbox) -> None:
    account = link(advisor)
    approved_posts(db_session, fakes, advisor, [account], 3)
    # 2 per hour: one now, then one every hour (bursts of half the limit).
    dispatcher = dispatchers(CONNECTOR_LIMITS={"sandbox": [Limit(Scope.ACCOUNT, 2, 3600)]})
    assert dispatcher.run_once().outcomes == {"published": 1, "waiting": 2}
    waiting = [r for r in _rows(db_session) if r.state == TargetState.SCHEDULED]
    assert len(waiting) == 2 and all(r.due_at > utcnow() + timedelta(minutes=55)
                                     for r in waiting)
    assert all(r.attempts == 0 for r in waiting)  # waiting is not a failed attempt
    pass_time(db_session, (waiting[0].due_at - utcnow()).total_seconds() + 1)
    assert dispatcher.run_once().outcomes == {"published": 1, "waiting": 1}
    pass_time(db_session, 3600 + 1)
    assert dispatcher.run_once().outcomes == {"published": 1}
    stats = sandbox.state.stats()
    # Three calls for three posts: none was made early, so none could draw a 429.
    assert stats["posts"] == 3 and stats["requests"]["publish"] == 3


def test_an_invalidated_token_marks_the_account_and_holds_its_rows(
        db_session, fakes, link, advisor, dispatchers, sandbox) -> None:
    account = link(advisor)
    approved_posts(db_session, fakes, advisor, [account], 2)
    sandbox.state.add_fault("publish", "token_invalidated", count=5)
    assert dispatchers().run_once().outcomes == {"held": 2}
    db_session.expire_all()
    assert db_session.get(LinkedAccount, account.id).status == AccountStatus.RELINK_NEEDED
    assert db_session.scalar(select(NetworkHold)) is None  # the account's, not the app's
    grant = db_session.get(AccountGrant, account.id)
    assert grant.last_problem == "token_revoked" and "password" in grant.last_raw_error
