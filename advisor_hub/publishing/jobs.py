"""Periodic jobs: refresh tokens before they expire; remind LinkedIn advisors to relink."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.jobs import register_job
from advisor_hub.networks import NetworkError, ReauthNeeded
from advisor_hub.notifications.services import N_, notify
from advisor_hub.publishing.connect import adapter_for, token_cipher
from advisor_hub.publishing.linking import mark_relink_needed
from advisor_hub.publishing.models import AccountStatus, LinkedAccount
from advisor_hub.publishing.tokens import fresh_tokens

REFRESH_AHEAD = timedelta(minutes=15)
LINKEDIN_REMINDER_AHEAD = timedelta(days=7)


def refresh_expiring_tokens(session: Session, now: datetime) -> None:
    """Refresh tokens that expire soon (networks that can refresh), so a publication never
    waits on a refresh; a refused refresh marks the account "relink needed"."""
    accounts = session.scalars(select(LinkedAccount).where(
        LinkedAccount.status == AccountStatus.ACTIVE,
        LinkedAccount.network.in_(("sandbox", "x")),
        LinkedAccount.token_expires_at.is_not(None),
        LinkedAccount.token_expires_at < now + REFRESH_AHEAD)).all()
    cipher = token_cipher(current_app.config)
    for account in accounts:
        adapter = adapter_for(current_app.config, account.network)
        try:
            fresh_tokens(session, account.id, adapter, cipher, now=now + REFRESH_AHEAD)
        except ReauthNeeded as error:
            session.rollback()
            mark_relink_needed(session, session.get(LinkedAccount, account.id),
                               error.message or str(error))
            session.commit()
        except NetworkError:
            session.rollback()  # try again next round


def remind_linkedin_relink(session: Session, now: datetime) -> None:
    """LinkedIn tokens last 60 days and most apps get no refresh token: remind in time."""
    accounts = session.scalars(select(LinkedAccount).where(
        LinkedAccount.status == AccountStatus.ACTIVE, LinkedAccount.network == "linkedin",
        LinkedAccount.token_expires_at.is_not(None),
        LinkedAccount.token_expires_at < now + LINKEDIN_REMINDER_AHEAD,
        LinkedAccount.relink_reminded_at.is_(None))).all()
    for account in accounts:
        notify(session, account.user,
               N_("Your LinkedIn account %(name)s must be relinked before %(date)s."),
               {"name": account.display_name,
                "date": account.token_expires_at.strftime("%Y-%m-%d")},
               "/publishing/accounts")
        account.relink_reminded_at = now
    session.flush()


register_job("publishing.refresh_tokens", refresh_expiring_tokens, 300)
register_job("publishing.linkedin_reminder", remind_linkedin_relink, 3600)
