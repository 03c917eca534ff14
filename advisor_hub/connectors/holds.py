"""App-wide holds: a fault of the app or the firm (a retired API version, refused app
credentials, X credits or the monthly cap exhausted, a storm of server errors) holds every row
of the network instead of failing each post.

Held rows keep their order and due time: resuming puts them back in the outbox as they were,
and the dispatcher sends them in due-time order, with no one re-scheduling anything. A hold
releases only the rows it held (``network_held_targets``), never a row held because its own
account must be relinked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.connectors import notices, rules
from advisor_hub.connectors.models import HeldTarget, HoldCause, NetworkHold
from advisor_hub.errors import Conflict, NotFound
from advisor_hub.notifications.services import N_
from advisor_hub.publishing.models import (
    AccountStatus,
    FailureClass,
    LinkedAccount,
    PublicationTarget,
    TargetState,
)
from advisor_hub.publishing.outbox import set_target_state, settle_posts
from advisor_hub.roles import Role, require_role

OPERATIONS_URL = "/operations/"
CONNECTIONS_URL = "/connections/"


def _snapshot(hold: NetworkHold) -> dict[str, Any]:
    return {"network": hold.network, "cause": hold.cause, "active": bool(hold.active),
            "api_version": hold.api_version}


def active_holds(session: Session, network: str | None = None) -> list[NetworkHold]:
    query = select(NetworkHold).where(NetworkHold.active.is_(True))
    if network is not None:
        query = query.where(NetworkHold.network == network)
    return list(session.scalars(query.order_by(NetworkHold.started_at, NetworkHold.id)))


def active_hold_for(session: Session, network: str) -> NetworkHold | None:
    """The network's oldest active hold, if any: the dispatcher holds a claimed row of a held
    network instead of sending it."""
    holds = active_holds(session, network)
    return holds[0] if holds else None


def _active(session: Session, network: str, cause: HoldCause) -> NetworkHold | None:
    return session.scalars(select(NetworkHold).where(
        NetworkHold.network == network, NetworkHold.cause == cause,
        NetworkHold.active.is_(True))).first()


def hold_network(session: Session, *, network: str, cause: HoldCause, now: datetime,
                 detail: str = "", api_version: str | None = None,
                 actor: User | None = None, hold_open_rows: bool = True) -> NetworkHold:
    """Hold ``network`` for ``cause`` (one active hold per network and cause: a second call,
    from this process or another, returns the first). The administrators are told once; each
    advisor once, when a first row of theirs is held.

    ``hold_open_rows``: hold every scheduled row of the network now (else the dispatcher holds
    each row as it comes due, without taking their locks in its write transaction).
    ``actor`` None is the system (the dispatcher); a person must be an administrator."""
    if actor is not None:
        require_role(actor, Role.ADMIN)
    hold = _active(session, network, cause)
    if hold is None:
        try:
            with session.begin_nested():
                hold = NetworkHold(network=network, cause=cause, detail=detail[:4000],
                                   api_version=api_version, active=True, started_at=now)
                session.add(hold)
        except IntegrityError:
            hold = _active(session, network, cause)
            if hold is None:  # resolved in between: nothing left to join
                raise
        else:
            record(session, actor, "network.held", hold, None,
                   {**_snapshot(hold), "detail": hold.detail})
    if notices.first_time(session, f"hold:{hold.id}:admins", now):
        notices.tell(session, notices.admins(session), ADMIN_MESSAGES[HoldCause(hold.cause)],
                     {"network": hold.network, "version": hold.api_version or "?"},
                     OPERATIONS_URL)
    if hold_open_rows:
        hold_rows(session, hold, _open_rows(session, network), now=now)
    return hold


def _open_rows(session: Session, network: str) -> list[PublicationTarget]:
    return list(session.scalars(
        select(PublicationTarget).where(PublicationTarget.network == network,
                                        PublicationTarget.state == TargetState.SCHEDULED)
        .order_by(PublicationTarget.due_at, PublicationTarget.id)))


def hold_rows(session: Session, hold: NetworkHold, targets: Iterable[PublicationTarget], *,
              now: datetime, maybe_sent: bool = False,
              settle: bool = True) -> list[PublicationTarget]:
    """Hold these rows under ``hold`` (the dispatcher passes the row a 426 answered, or a row
    it claimed while the hold was active). Their due time is left as it was. ``maybe_sent``:
    an earlier attempt may be out, so the release sends it back to reconciliation.
    ``settle`` False: the caller settles the posts (the dispatcher, once per transaction)."""
    held = []
    for target in targets:
        linked = session.get(HeldTarget, (hold.id, target.id)) is not None
        if target.state == TargetState.HELD and linked:
            continue
        set_target_state(session, target, TargetState.HELD,
                         failure_class=(FailureClass.OUTCOME_UNKNOWN if maybe_sent
                                        else FailureClass.NOT_SENT),
                         error=f"held: {hold.network} {hold.cause} (hold {hold.id})",
                         flush=False)
        if not linked:
            session.add(HeldTarget(hold_id=hold.id, target_id=target.id))
        held.append(target)
    session.flush()
    if settle:
        settle_posts(session, {t.post_id for t in held})
    _tell_owners(session, hold, held, now)
    return held


ADMIN_MESSAGES = {
    HoldCause.VERSION_RETIRED: N_(
        "%(network)s no longer accepts the API version the app sends (%(version)s): every "
        "%(network)s post is held. Set LINKEDIN_API_VERSION to a current version; the posts "
        "then go out by themselves."),
    HoldCause.APP_CREDENTIALS: N_(
        "%(network)s refused the app's credentials: every %(network)s post is held. Check the "
        "app's client id and secret, then resume on the Operations page."),
    HoldCause.CREDITS_EXHAUSTED: N_(
        "%(network)s answered that the app's prepaid credits are used up: every %(network)s "
        "post is held. Add credits, then resume on the Operations page."),
    HoldCause.SPEND_CAP: N_(
        "The monthly %(network)s spending cap is reached: every %(network)s post is held until "
        "you raise the cap or resume on the Operations page."),
    HoldCause.SERVER_ERRORS: N_(
        "%(network)s is failing for every account (server errors): its posts are held. Resume "
        "on the Operations page once the network works again."),
    HoldCause.MANUAL: N_("Publishing to %(network)s was held by an administrator."),
}


def _tell_owners(session: Session, hold: NetworkHold, held: list[PublicationTarget],
                 now: datetime) -> None:
    owners = {t.account.user for t in held if t.account is not None}
    for owner in sorted(owners, key=lambda u: u.id):
        if notices.first_time(session, f"hold:{hold.id}:user:{owner.id}", now):
            notices.tell(session, [owner],
                         N_("Your %(network)s posts are on hold because of a problem with the "
                            "app's connection to the network, not with your posts. They will "
                            "go out without you doing anything once it is fixed."),
                         {"network": hold.network}, CONNECTIONS_URL)


def resume_network(session: Session, *, hold_id: int, actor: User | None,
                   now: datetime) -> NetworkHold:
    """End a hold: the rows it held go back to the outbox with their due time (those whose
    account needs relinking, or that another active hold covers, stay held)."""
    if actor is not None:
        require_role(actor, Role.ADMIN)
    hold = session.get(NetworkHold, hold_id, with_for_update=True)
    if hold is None:
        raise NotFound()
    if not hold.active:
        raise Conflict(_l("This hold was already resumed."))
    before = _snapshot(hold)
    hold.active = None
    hold.resolved_at = now
    hold.resolved_by_id = actor.id if actor is not None else None
    session.flush()
    released = _release(session, hold)
    record(session, actor, "network.resumed", hold, before,
           {**_snapshot(hold), "released": len(released)})
    return hold


def _release(session: Session, hold: NetworkHold) -> list[PublicationTarget]:
    rows = list(session.scalars(
        select(PublicationTarget).join(HeldTarget, HeldTarget.target_id == PublicationTarget.id)
        .where(HeldTarget.hold_id == hold.id, PublicationTarget.state == TargetState.HELD)
        .order_by(PublicationTarget.due_at, PublicationTarget.id)))
    still_held = set(session.scalars(
        select(HeldTarget.target_id).join(NetworkHold, NetworkHold.id == HeldTarget.hold_id)
        .where(NetworkHold.active.is_(True), HeldTarget.hold_id != hold.id)))
    released = []
    for target in rows:
        account = session.get(LinkedAccount, target.account_id)
        if target.id in still_held or account is None or account.status != AccountStatus.ACTIVE:
            continue
        if target.failure_class == FailureClass.OUTCOME_UNKNOWN:
            # It may be out: back to reconciliation (looked up first), never a blind resend.
            set_target_state(session, target, TargetState.PUBLISHING, flush=False)
            target.lease_expires_at = None
        else:
            set_target_state(session, target, TargetState.SCHEDULED, flush=False)
        released.append(target)
    session.flush()
    settle_posts(session, {t.post_id for t in released})
    return released


def held_by_active_hold(session: Session, target_ids: Iterable[int]) -> set[int]:
    """Rows an active app-wide hold keeps: a relink must not release them."""
    ids = list(target_ids)
    if not ids:
        return set()
    return set(session.scalars(
        select(HeldTarget.target_id).join(NetworkHold, NetworkHold.id == HeldTarget.hold_id)
        .where(NetworkHold.active.is_(True), HeldTarget.target_id.in_(ids))))


def release_on_version_change(session: Session, config: Mapping[str, Any],
                              now: datetime) -> list[NetworkHold]:
    """Resume each "version retired" hold recorded under another version than the one now
    configured (``LINKEDIN_API_VERSION``, ...): updating it is the fix, no one has to press
    "resume"."""
    resumed = []
    for hold in active_holds(session):
        if (hold.cause == HoldCause.VERSION_RETIRED
                and hold.api_version != rules.api_version(config, hold.network)):
            resumed.append(resume_network(session, hold_id=hold.id, actor=None, now=now))
    return resumed
