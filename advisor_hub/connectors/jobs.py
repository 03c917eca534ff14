"""Periodic jobs of connector health (each ``func(session, now)``, run and committed by the
scheduler's job runner)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from advisor_hub.connectors import costs, grants, health, holds
from advisor_hub.jobs import PeriodicJob


def remind_grants(session: Session, now: datetime) -> None:
    grants.remind_grant_endings(session, now, config=current_app.config)


def warn_versions(session: Session, now: datetime) -> None:
    health.warn_versions(session, now, config=current_app.config)


def release_version_holds(session: Session, now: datetime) -> None:
    holds.release_on_version_change(session, current_app.config, now)


def enforce_spend_cap(session: Session, now: datetime) -> None:
    costs.enforce_cap(session, now)


JOBS = (
    PeriodicJob("connectors.grant_reminders", remind_grants, 3600),
    PeriodicJob("connectors.version_warnings", warn_versions, 3600),
    PeriodicJob("connectors.version_holds", release_version_holds, 60),
    PeriodicJob("connectors.spend_cap", enforce_spend_cap, 300),
)
