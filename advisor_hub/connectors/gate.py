"""What the dispatcher asks before a send, and tells after it.

Before (``Gate``, once per claimed batch, in the batch's own session and transaction, no
network call): is the network held, would the post pass the monthly X cap, is there a slot
in the account's and the app's rate buckets. After (``Faults``, in the recording
transaction): is the error a fault of the app (a retired API version, refused app
credentials, X credits used up, a storm of server errors) — then the row is held, not
failed, and the network held — and what each account's health page should say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, literal, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from advisor_hub.connectors import costs, health, holds, limits, rules, versions
from advisor_hub.connectors.advice import Problem, diagnose
from advisor_hub.connectors.models import (
    AccountGrant,
    HoldCause,
    NetworkHold,
    ServerErrorStreak,
)
from advisor_hub.db import one_of
from advisor_hub.networks import NetworkError, OutcomeUnknown
from advisor_hub.publishing.models import PublicationTarget


@dataclass(frozen=True)
class Verdict:
    hold_id: int | None = None
    wait_until: datetime | None = None


class Gate:
    """The pre-send questions for one batch."""

    def __init__(self, session: Session, config: Mapping[str, Any], now: datetime) -> None:
        self.session, self.config, self.now = session, config, now
        self.held: dict[str, NetworkHold] = {}
        for hold in holds.active_holds(session):
            self.held.setdefault(hold.network, hold)
        self._hold_retired_version()

    def _hold_retired_version(self) -> None:
        """A LinkedIn version past its *published* sunset is held before the first 426 (an
        estimated end only warns: it is deliberately early)."""
        status = versions.linkedin_status(rules.linkedin_version(self.config), self.now.date())
        if status.retired and not status.estimated and "linkedin" not in self.held:
            self.held["linkedin"] = holds.hold_network(
                self.session, network="linkedin", cause=HoldCause.VERSION_RETIRED,
                now=self.now, api_version=status.version, hold_open_rows=False,
                detail=f"LinkedIn-Version {status.version} was sunset on {status.ends}")

    def verdict(self, target: PublicationTarget) -> Verdict:
        hold = self.held.get(target.network)
        if hold is not None:
            return Verdict(hold_id=hold.id)
        if not costs.spend_allows(self.session, target, self.now):
            pricing = costs.x_pricing(self.session)
            hold = self.held[target.network] = holds.hold_network(
                self.session, network=target.network, cause=HoldCause.SPEND_CAP, now=self.now,
                hold_open_rows=False,
                detail=f"the next post would pass the monthly cap {pricing.monthly_cap} USD")
            return Verdict(hold_id=hold.id)
        slot = limits.reserve_slot(self.session, target.account_id, target.network, self.now,
                                   config=self.config)
        return Verdict(wait_until=slot) if slot is not None else Verdict()


class Faults:
    """What an error means for the app; the storm detector's count is in the database
    (:func:`count_server_error`), shared by every scheduler process."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.threshold = rules.storm_threshold(config)

    def app_fault(self, error: NetworkError, network: str) -> Problem | None:
        """The app-wide problem this error is, if it is one and nothing was sent."""
        if isinstance(error, OutcomeUnknown):
            return None
        problem = diagnose(error, network)
        return problem if problem.app_wide else None

    def hold_for(self, session: Session, problem: Problem, network: str, error: NetworkError,
                 now: datetime) -> NetworkHold:
        assert problem.hold_cause is not None
        return holds.hold_network(
            session, network=network, cause=problem.hold_cause, now=now,
            detail=error.message or str(error), hold_open_rows=False,
            api_version=rules.api_version(self.config, network))

    def server_error(self, session: Session, network: str, account_id: int,
                     error: NetworkError, now: datetime) -> NetworkHold | None:
        """Count a 5xx; ``threshold`` in a row, from more than one account (one account's
        trouble is not the network's), hold the network."""
        if not count_server_error(session, network, account_id, self.threshold):
            return None
        return holds.hold_network(
            session, network=network, cause=HoldCause.SERVER_ERRORS, now=now,
            hold_open_rows=False,
            detail=f"{self.threshold} server errors in a row; the last: "
                   f"{error.message or error}")

    def success(self, session: Session, target: PublicationTarget, now: datetime) -> None:
        """A post went out: X charges it (the storm streak ends once per recording
        transaction: :func:`end_server_errors`)."""
        costs.record_charge(session, target, now, hold_open_rows=False)

    def problem(self, session: Session, target: PublicationTarget, error: NetworkError,
                now: datetime) -> None:
        """What the account's health page says: the advice, and the raw words for the admin."""
        health.record_outcome(session, target.account, now=now, config=self.config,
                              problem=diagnose(error, target.network),
                              raw_error=error.message or str(error))


def mark_success(session: Session, account_ids: Iterable[int], now: datetime) -> None:
    """The accounts' last successful post (one statement per recording transaction; an
    account with no grant row yet shows its last publication instead)."""
    ids = sorted(set(account_ids))
    if ids:
        session.execute(update(AccountGrant).where(one_of(session, AccountGrant.account_id, ids))
                        .values(last_success_at=now)
                        .execution_options(synchronize_session=False))


def is_server_error(error: NetworkError) -> bool:
    return error.status is not None and error.status >= 500


def count_server_error(session: Session, network: str, account_id: int, threshold: int) -> bool:
    """Count one 5xx of ``network``; True for the one error, among every scheduler process,
    that makes ``threshold`` in a row from more than one account (the streak starts again).

    One ``UPDATE ... RETURNING`` on a row created once (``ON CONFLICT DO NOTHING``): atomic
    on PostgreSQL (the row lock; a waiting writer works on the row the other committed) and
    on SQLite (one writer at a time), like the rate buckets. The streak ends with its
    storm, so exactly one error starts each hold."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(ServerErrorStreak).values(
        network=network, streak=0, first_account_id=None, mixed=False,
    ).on_conflict_do_nothing(index_elements=["network"]))
    row = ServerErrorStreak
    starts = row.streak == 0
    mixed = case((starts, literal(False)),
                 else_=or_(row.mixed, row.first_account_id != account_id))
    grown = row.streak + 1
    storm = and_(grown >= threshold, or_(literal(threshold <= 1), mixed))
    streak = session.execute(
        update(row).where(row.network == network)
        .values(streak=case((storm, literal(0)), else_=grown),
                mixed=case((storm, literal(False)), else_=mixed),
                first_account_id=case((starts, literal(account_id)),
                                      else_=row.first_account_id))
        .returning(row.streak)
        .execution_options(synchronize_session=False)).scalar_one()
    return streak == 0  # only a storm brings an increment back to 0


def end_server_errors(session: Session, networks: Iterable[str]) -> None:
    """Posts went out on ``networks``: no storm (one statement; no row written when no
    streak is running)."""
    names = sorted(set(networks))
    if not names:
        return
    session.execute(update(ServerErrorStreak)
                    .where(one_of(session, ServerErrorStreak.network, names),
                           ServerErrorStreak.streak > 0)
                    .values(streak=0, mixed=False, first_account_id=None)
                    .execution_options(synchronize_session=False))
