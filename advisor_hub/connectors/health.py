"""Each account's connection health (the advisor's "connections" and the admin's Operations
page), the versions the app sends, and the once-only version warnings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.connectors import grants, holds, limits, notices, rules, versions
from advisor_hub.connectors.advice import Action, Advice, Problem, advise, diagnose_message
from advisor_hub.connectors.models import AccountGrant, NetworkHold
from advisor_hub.networks import facebook
from advisor_hub.notifications.services import N_
from advisor_hub.publishing.models import (
    AccountStatus,
    LinkedAccount,
    PublicationTarget,
    TargetState,
)
from advisor_hub.roles import Role, require_role

PROBLEM_STATES = (TargetState.FAILED, TargetState.HELD, TargetState.NEEDS_CHECK)


@dataclass(frozen=True)
class AccountHealth:
    account: LinkedAccount
    access_ends_at: datetime | None
    grant_ends_at: datetime | None
    last_success_at: datetime | None
    problem: Problem | None
    problem_at: datetime | None
    raw_error: str | None  # the network's own words: administrators only
    hold: NetworkHold | None
    next_slot: datetime | None

    @property
    def advice(self) -> Advice | None:
        return advise(self.problem, until=self.next_slot) if self.problem else None

    @property
    def needs_relink(self) -> bool:
        return self.account.status is AccountStatus.RELINK_NEEDED or (
            self.problem is not None and self.problem.action == Action.RELINK)


def record_outcome(session: Session, account: LinkedAccount, *, now: datetime,
                   config: Mapping[str, Any], problem: Problem | None = None,
                   raw_error: str | None = None) -> AccountGrant:
    """The dispatcher's report on one send: a success (``problem`` None) or a problem with
    the network's raw words."""
    grant = grants.grant_for(session, account, config)
    if problem is None:
        grant.last_success_at = now
    else:
        grant.last_problem = problem.value
        grant.last_problem_at = now
        grant.last_raw_error = (raw_error or "")[:4000]
    session.flush()
    return grant


def _last_row_problem(session: Session, account: LinkedAccount,
                      ) -> tuple[Problem | None, datetime | None, str | None]:
    row = session.execute(
        select(PublicationTarget.last_error, PublicationTarget.failure_class,
               PublicationTarget.updated_at)
        .where(PublicationTarget.account_id == account.id,
               PublicationTarget.state.in_(PROBLEM_STATES),
               PublicationTarget.last_error.is_not(None))
        .order_by(PublicationTarget.updated_at.desc(), PublicationTarget.id.desc()).limit(1)
    ).first()
    if row is None:
        return None, None, None
    error, failure_class, at = row
    if not error or error.startswith("held: "):  # an app-wide hold's row: the hold explains it
        return None, None, None
    return diagnose_message(account.network, error, kind=failure_class or "permanent"), at, error


def _health(session: Session, account: LinkedAccount, config: Mapping[str, Any],
            now: datetime, held: dict[str, NetworkHold]) -> AccountHealth:
    grant = grants.grant_for(session, account, config)
    last_success = grant.last_success_at or session.scalar(
        select(func.max(PublicationTarget.published_at))
        .where(PublicationTarget.account_id == account.id))
    problem: Problem | None
    at: datetime | None
    raw: str | None
    if grant.last_problem:
        problem, at, raw = Problem(grant.last_problem), grant.last_problem_at, grant.last_raw_error
        if last_success is not None and at is not None and last_success > at:
            problem, at, raw = None, None, None  # fixed since
    else:
        problem, at, raw = _last_row_problem(session, account)
    if account.status is AccountStatus.RELINK_NEEDED and problem is None:
        problem = Problem.TOKEN_REVOKED
    if grant.grant_ends_at is not None and grant.grant_ends_at <= now:
        problem = Problem.GRANT_ENDED
    return AccountHealth(account, account.token_expires_at, grant.grant_ends_at, last_success,
                         problem, at, raw, held.get(account.network),
                         limits.next_slot(session, account.id, account.network, now,
                                          config=config))


def _held_networks(session: Session) -> dict[str, NetworkHold]:
    found: dict[str, NetworkHold] = {}
    for hold in holds.active_holds(session):
        found.setdefault(hold.network, hold)
    return found


def my_connections(session: Session, *, user: User, config: Mapping[str, Any],
                   now: datetime) -> list[AccountHealth]:
    """The advisor's own accounts (not unlinked ones)."""
    require_role(user, Role.ADVISOR)
    accounts = session.scalars(select(LinkedAccount).where(
        LinkedAccount.user_id == user.id, LinkedAccount.status != AccountStatus.UNLINKED)
        .order_by(LinkedAccount.network, LinkedAccount.display_name, LinkedAccount.id)).all()
    held = _held_networks(session)
    return [_health(session, a, config, now, held) for a in accounts]


@dataclass(frozen=True)
class AccountFilter:
    network: str | None = None
    status: str | None = None
    branch_id: int | None = None


def all_connections(session: Session, *, actor: User, config: Mapping[str, Any],
                    now: datetime, filters: AccountFilter = AccountFilter(),
                    ) -> list[AccountHealth]:
    """Every account, for the administrator, filtered by network, state and branch."""
    require_role(actor, Role.ADMIN)
    query = select(LinkedAccount).join(User, User.id == LinkedAccount.user_id)
    if filters.network:
        query = query.where(LinkedAccount.network == filters.network)
    if filters.status:
        try:
            status = AccountStatus(filters.status)
        except ValueError:
            return []  # no account is in a state that does not exist
        query = query.where(LinkedAccount.status == status)
    if filters.branch_id:
        query = query.where(User.branch_id == filters.branch_id)
    accounts = session.scalars(query.order_by(LinkedAccount.network, User.last_name,
                                              LinkedAccount.id)).all()
    held = _held_networks(session)
    return [_health(session, a, config, now, held) for a in accounts]


def version_statuses(config: Mapping[str, Any], now: datetime) -> list[versions.VersionStatus]:
    days = rules.version_warning_days(config)
    today = now.date()
    return [versions.linkedin_status(rules.linkedin_version(config), today, days),
            versions.graph_status(facebook.GRAPH_VERSION, today, days)]


VERSION_MESSAGES = {
    "linkedin": N_("The LinkedIn API version the app sends (%(version)s) is supported until "
                   "about %(date)s. Set LINKEDIN_API_VERSION to a newer version before then."),
    "facebook": N_("The Facebook Graph API version the app uses (%(version)s) is available "
                   "until %(date)s. Move the app to a newer version before then."),
}


def warn_versions(session: Session, now: datetime, *,
                  config: Mapping[str, Any] | None = None) -> int:
    """From two months before a version's end, tell every administrator, once per version."""
    if config is None:
        from flask import current_app

        config = current_app.config
    sent = 0
    for status in version_statuses(config, now):
        if not status.warn or not notices.first_time(session, status.notice_key, now):
            continue
        notices.tell(session, notices.admins(session), VERSION_MESSAGES[status.network],
                     {"version": status.version,
                      "date": status.ends.isoformat() if status.ends else "?"},
                     holds.OPERATIONS_URL)
        sent += 1
    return sent


def limit_rows(config: Mapping[str, Any]) -> list[tuple[str, rules.Limit]]:
    return [(network, limit) for network in ("linkedin", "x", "facebook", "sandbox")
            for limit in rules.limits_for(config, network)]
