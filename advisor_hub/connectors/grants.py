"""How long each linked account's grant lasts, ahead of time.

* LinkedIn: 60-day access tokens; with a (programmatic) refresh token the grant ends 365 days
  after the first consent, whatever the refreshes; without one it ends with the access token.
* X: 2-hour access tokens; with ``offline.access`` a refresh token (single use) keeps the grant
  alive with no published end; without one the grant ends with the access token.
* Facebook Pages: Page tokens with no expiry, invalidated by a password change or the loss of
  the Page role: no known end (the dispatcher learns of it on first use).

Scheduling a post due after the grant's end is refused (:func:`check_schedulable`); the
advisor is reminded ``CONNECTOR_REMINDER_DAYS`` before, in the portal and by e-mail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.connectors import notices, rules
from advisor_hub.connectors.models import AccountGrant
from advisor_hub.errors import ValidationError
from advisor_hub.networks import TokenDecryptError, TokenKeyError, TokenSet
from advisor_hub.notifications.services import N_
from advisor_hub.publishing.connect import token_cipher
from advisor_hub.publishing.models import AccountStatus, LinkedAccount


def relink_url(network: str) -> str:
    return f"/publishing/accounts/link/{network}"


def grant_end(network: str, tokens: TokenSet | None, granted_at: datetime, *,
              refresh_expires_in: float | None = None) -> datetime | None:
    """When a grant made at ``granted_at`` ends whatever is done (None: no known end).
    No readable token: it has ended (fail closed)."""
    if tokens is None:
        return granted_at
    if network == "linkedin":
        if tokens.refresh_token:
            lifetime = (timedelta(seconds=refresh_expires_in) if refresh_expires_in
                        else rules.LINKEDIN_GRANT_LIFETIME)
            return granted_at + lifetime
        return tokens.expires_at or granted_at + rules.LINKEDIN_ACCESS_LIFETIME
    if network == "facebook":
        return None
    # X, the Sandbox and any network refreshing its tokens: no known end with a refresh
    # token, else the access token's end.
    if tokens.refresh_token:
        return None
    if network == "x":
        return tokens.expires_at or granted_at + rules.X_ACCESS_LIFETIME
    return tokens.expires_at


def _tokens(account: LinkedAccount, config: Mapping[str, Any]) -> TokenSet | None:
    if not account.token_ciphertext:
        return None
    try:
        return token_cipher(config).decrypt_tokens(account.token_ciphertext)
    except (TokenDecryptError, TokenKeyError, ValueError, KeyError):  # a dead grant
        return None


def record_grant(session: Session, account: LinkedAccount, *, tokens: TokenSet,
                 now: datetime, refresh_expires_in: float | None = None) -> AccountGrant:
    """A (re)link: a new grant starts now. Called by linking when it stores the tokens."""
    grant = session.get(AccountGrant, account.id)
    if grant is None:
        grant = AccountGrant(account_id=account.id, granted_at=now)
        session.add(grant)
    grant.granted_at = now
    grant.grant_ends_at = grant_end(account.network, tokens, now,
                                    refresh_expires_in=refresh_expires_in)
    grant.reminded_days = None
    session.flush()
    return grant


def grant_for(session: Session, account: LinkedAccount,
              config: Mapping[str, Any]) -> AccountGrant:
    """The account's grant; for an account linked before grants were recorded, one dated
    from the account's creation (the earliest its consent can be: an early end, never a late
    one)."""
    grant = session.get(AccountGrant, account.id)
    if grant is None:
        grant = AccountGrant(account_id=account.id, granted_at=account.created_at,
                             grant_ends_at=grant_end(account.network, _tokens(account, config),
                                                     account.created_at))
        session.add(grant)
        session.flush()
    return grant


@dataclass(frozen=True)
class GrantView:
    access_ends_at: datetime | None
    grant_ends_at: datetime | None


def grant_view(session: Session, account: LinkedAccount,
               config: Mapping[str, Any]) -> GrantView:
    grant = grant_for(session, account, config)
    return GrantView(account.token_expires_at, grant.grant_ends_at)


def check_schedulable(session: Session, account: LinkedAccount, due_at: datetime, *,
                      config: Mapping[str, Any] | None = None) -> None:
    """Refuse a post due on ``account`` after its grant ends (or on an account that is not
    active), with the date and where to relink. The composer calls it for each account."""
    if config is None:
        from flask import current_app, has_app_context

        config = current_app.config if has_app_context() else {}
    url = relink_url(account.network)
    if account.status != AccountStatus.ACTIVE:
        raise ValidationError(_l("%(name)s cannot publish until it is relinked: %(url)s",
                                 name=account.display_name, url=url), field="when")
    ends = grant_for(session, account, config).grant_ends_at
    if ends is not None and due_at >= ends:
        raise ValidationError(
            _l("The access of %(name)s ends on %(date)s, before this post is due. Relink the "
               "account first: %(url)s", name=account.display_name,
               date=ends.strftime("%Y-%m-%d %H:%M UTC"), url=url), field="when")


def remind_grant_endings(session: Session, now: datetime, *,
                         config: Mapping[str, Any] | None = None) -> int:
    """Remind each advisor whose grant ends within a reminder threshold (14 and 3 days by
    default), once per threshold, in the portal and by e-mail. Returns the reminders sent."""
    if config is None:
        from flask import current_app

        config = current_app.config
    thresholds = rules.reminder_days(config)
    if not thresholds:
        return 0
    horizon = now + timedelta(days=max(thresholds))
    accounts = session.scalars(select(LinkedAccount).where(
        LinkedAccount.status == AccountStatus.ACTIVE).order_by(LinkedAccount.id)).all()
    sent = 0
    for account in accounts:
        grant = grant_for(session, account, config)
        ends = grant.grant_ends_at
        if ends is None or ends > horizon or ends <= now:
            continue
        left = ends - now
        due = min(t for t in thresholds if left <= timedelta(days=t))
        if grant.reminded_days is not None and grant.reminded_days <= due:
            continue
        notices.tell(session, [account.user],
                     N_("The access of your %(network)s account %(name)s ends on %(date)s. "
                        "Relink it before then, or its posts will not go out."),
                     {"network": account.network, "name": account.display_name,
                      "date": ends.strftime("%Y-%m-%d")}, relink_url(account.network))
        grant.reminded_days = due
        sent += 1
    session.flush()
    return sent
