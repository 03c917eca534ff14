"""Periodic jobs: refresh tokens before they expire. (Relink reminders before a grant ends are
the connectors' job, ``connectors.grant_reminders``: the only reminder path.)

Declared in ``advisor_hub.features``; the job runner owns the transaction, so the jobs only
flush (``fresh_tokens`` ends its own lock transactions: see ``publishing.tokens``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.jobs import PeriodicJob
from advisor_hub.networks import NetworkError, ReauthNeeded
from advisor_hub.publishing.connect import adapter_for, token_cipher
from advisor_hub.publishing.linking import mark_relink_needed
from advisor_hub.publishing.models import AccountStatus, LinkedAccount
from advisor_hub.publishing.tokens import fresh_tokens

REFRESH_AHEAD = timedelta(minutes=15)


def refresh_expiring_tokens(session: Session, now: datetime) -> None:
    """Refresh tokens that expire soon (networks that can refresh), so a publication never
    waits on a refresh; a refused refresh marks the account "relink needed"."""
    accounts = session.scalars(select(LinkedAccount).where(
        LinkedAccount.status == AccountStatus.ACTIVE,
        LinkedAccount.network.in_(("sandbox", "x")),
        LinkedAccount.token_expires_at.is_not(None),
        LinkedAccount.token_expires_at < now + REFRESH_AHEAD)).all()
    cipher = token_cipher(current_app.config)
    refused: list[tuple[int, str]] = []
    for account_id, network in [(a.id, a.network) for a in accounts]:
        adapter = adapter_for(current_app.config, network)
        try:
            fresh_tokens(session, account_id, adapter, cipher, now=now + REFRESH_AHEAD)
        except ReauthNeeded as error:
            session.rollback()  # ends the refresh's lock transaction; nothing of ours pending
            refused.append((account_id, error.message or str(error)))
        except NetworkError:
            session.rollback()  # try again next round
    # Marked after every refresh, so a later refresh's rollback cannot undo a mark; the job
    # runner commits them.
    for account_id, reason in refused:
        account = session.get(LinkedAccount, account_id)
        if account is not None:
            mark_relink_needed(session, account, reason)
    session.flush()


JOBS = (
    PeriodicJob("publishing.refresh_tokens", refresh_expiring_tokens, every_seconds=300),
)
