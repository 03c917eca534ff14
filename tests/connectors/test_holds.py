"""App-wide holds: every row of the network held (not failed), in order with its due time,
one hold per cause, everyone told once; released by a resume or a version change, none lost
or doubled, and never a row its own account must first relink."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from advisor_hub.connectors import holds
from advisor_hub.connectors.models import HeldTarget, HoldCause, NetworkHold
from advisor_hub.errors import Conflict, PermissionDenied
from advisor_hub.notifications.models import Notification
from advisor_hub.publishing.models import PublicationTarget
from tests.connectors.conftest import NOW

pytestmark = pytest.mark.both_backends


def _states(session, rows):
    for row in rows:
        session.refresh(row)
    return [(r.id, r.state, r.due_at) for r in rows]


@pytest.mark.parametrize("cause", [HoldCause.VERSION_RETIRED, HoldCause.CREDITS_EXHAUSTED,
                                   HoldCause.APP_CREDENTIALS])
def test_a_hold_keeps_every_row_and_resume_releases_them_in_order(
        db_session, factory, outbox, cause) -> None:
    admin = factory.user("admin")
    alice, bob = factory.user("advisor"), factory.user("advisor")
    network = "x" if cause == HoldCause.CREDITS_EXHAUSTED else "linkedin"
    a, b = outbox.account(alice, network), outbox.account(bob, network)
    other = outbox.account(alice, "facebook")
    rows = [outbox.row(a, NOW + timedelta(minutes=m)) for m in (30, 10, 20)]
    rows.append(outbox.row(b, NOW - timedelta(minutes=5)))  # already due
    untouched = outbox.row(other, NOW)
    due_before = {r.id: r.due_at for r in rows}

    hold = holds.hold_network(db_session, network=network, cause=cause, now=NOW,
                              detail='{"status":426}', api_version="202411")
    again = holds.hold_network(db_session, network=network, cause=cause, now=NOW)
    assert again.id == hold.id
    assert db_session.scalars(select(NetworkHold)).all() == [hold]
    assert all(state == "held" for _id, state, _due in _states(db_session, rows))
    assert {r.id: r.due_at for r in rows} == due_before
    assert _states(db_session, [untouched])[0][1] == "scheduled"
    assert all(r.post.state == "scheduled" for r in rows)  # held rows: still to go out

    told = db_session.scalars(select(Notification)).all()
    assert sorted(n.user_id for n in told) == sorted([admin.id, alice.id, bob.id])

    holds.resume_network(db_session, hold_id=hold.id, actor=admin, now=NOW)
    assert [s for _i, s, _d in _states(db_session, rows)] == ["scheduled"] * 4
    assert {r.id: r.due_at for r in rows} == due_before
    assert db_session.scalar(select(PublicationTarget).where(
        PublicationTarget.network == network, PublicationTarget.state != "scheduled")) is None
    assert holds.active_holds(db_session) == []
    with pytest.raises(Conflict):
        holds.resume_network(db_session, hold_id=hold.id, actor=admin, now=NOW)


def test_only_an_admin_resumes(db_session, factory, outbox) -> None:
    hold = holds.hold_network(db_session, network="linkedin", cause=HoldCause.MANUAL, now=NOW)
    with pytest.raises(PermissionDenied):
        holds.resume_network(db_session, hold_id=hold.id, actor=factory.user("compliance"),
                             now=NOW)
    with pytest.raises(PermissionDenied):
        holds.hold_network(db_session, network="x", cause=HoldCause.MANUAL, now=NOW,
                           actor=factory.user("advisor"))


def test_a_version_change_releases_the_rows_without_anyone_resuming(
        db_session, factory, outbox) -> None:
    alice = factory.user("advisor")
    rows = [outbox.row(outbox.account(alice), NOW + timedelta(hours=h)) for h in (1, 2)]
    holds.hold_network(db_session, network="linkedin", cause=HoldCause.VERSION_RETIRED,
                       now=NOW, api_version="202411")
    assert holds.release_on_version_change(db_session, {"LINKEDIN_API_VERSION": "202411"},
                                           NOW) == []
    assert {s for _i, s, _d in _states(db_session, rows)} == {"held"}
    resumed = holds.release_on_version_change(db_session, {"LINKEDIN_API_VERSION": "202608"},
                                              NOW)
    assert len(resumed) == 1 and resumed[0].resolved_by_id is None
    assert {s for _i, s, _d in _states(db_session, rows)} == {"scheduled"}


def test_a_resume_leaves_rows_whose_account_must_relink_or_another_hold_keeps(
        db_session, factory, outbox) -> None:
    admin, alice = factory.user("admin"), factory.user("advisor")
    ok, dead = outbox.account(alice), outbox.account(alice)
    ok_row, dead_row = outbox.row(ok, NOW), outbox.row(dead, NOW)
    version = holds.hold_network(db_session, network="linkedin",
                                 cause=HoldCause.VERSION_RETIRED, now=NOW)
    storm = holds.hold_network(db_session, network="linkedin", cause=HoldCause.SERVER_ERRORS,
                               now=NOW)
    # The storm hold found nothing scheduled left: it holds the same rows only if they come
    # back; record them under it as the dispatcher would for a row it claimed.
    holds.hold_rows(db_session, storm, [ok_row], now=NOW)
    dead.status = "relink_needed"
    db_session.flush()
    holds.resume_network(db_session, hold_id=version.id, actor=admin, now=NOW)
    assert _states(db_session, [ok_row, dead_row])[0][1] == "held"  # the storm still holds it
    assert _states(db_session, [dead_row])[0][1] == "held"  # its account must relink
    holds.resume_network(db_session, hold_id=storm.id, actor=admin, now=NOW)
    assert _states(db_session, [ok_row])[0][1] == "scheduled"
    assert holds.held_by_active_hold(db_session, [ok_row.id, dead_row.id]) == set()


def test_rows_scheduled_during_a_hold_are_held_by_it(db_session, factory, outbox) -> None:
    alice = factory.user("advisor")
    account = outbox.account(alice)
    hold = holds.hold_network(db_session, network="linkedin", cause=HoldCause.VERSION_RETIRED,
                              now=NOW)
    late = outbox.row(account, NOW + timedelta(days=1))
    assert holds.active_hold_for(db_session, "linkedin").id == hold.id
    holds.hold_rows(db_session, hold, [late], now=NOW)
    holds.hold_rows(db_session, hold, [late], now=NOW)  # twice: one link, still held
    assert db_session.scalars(select(HeldTarget).where(HeldTarget.target_id == late.id)).all()
    assert len(db_session.scalars(select(HeldTarget)).all()) == 1
