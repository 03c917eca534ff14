"""Linked network accounts: link (pending compliance approval), relink, unlink, relink-needed.

The OAuth redirect dance itself lives in the views (it needs the Flask session for ``state``
and the PKCE verifier); these services get its result: the profile and the tokens.
"""

from __future__ import annotations

import enum
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.connectors import grants, holds
from advisor_hub.db import utcnow
from advisor_hub.errors import NotFound, ValidationError
from advisor_hub.networks import (
    Account,
    NetworkAdapter,
    NetworkError,
    TokenCipher,
    TokenSet,
    network_label,
)
from advisor_hub.notifications.services import N_, notify
from advisor_hub.publishing import upstream
from advisor_hub.publishing.models import (
    AccountStatus,
    FailureClass,
    LinkedAccount,
    PublicationTarget,
    TargetState,
)
from advisor_hub.publishing.outbox import cancel_open_targets, set_target_state, settle_post
from advisor_hub.publishing.tokens import load_tokens, store_tokens
from advisor_hub.roles import Role, require_role

log = logging.getLogger(__name__)

KIND = "linked_account"


class Revocation(enum.StrEnum):
    """What unlinking did about the network's grant (the view tells the advisor; the audit
    keeps it)."""

    REVOKED = "revoked"
    REVOKE_FAILED = "revoke_failed"
    GRANT_SHARED = "grant_shared"  # not revoked: other linked accounts live on the same grant
    NOT_REVOCABLE = "not_revocable"  # the network cannot revoke, or there is nothing to revoke


# The members under their former module names (the views and tests use these).
REVOKED, REVOKE_FAILED, GRANT_SHARED, NOT_REVOCABLE = Revocation


@dataclass(frozen=True)
class Unlinked:
    cancelled: list[PublicationTarget]  # the rows that will not go out, to tell the advisor
    revocation: Revocation


def _snapshot(account: LinkedAccount) -> dict[str, Any]:
    return {"status": account.status, "display_name": account.display_name,
            "network": account.network, "external_id": account.external_id}


def accounts_of(session: Session, user: User, *, include_unlinked: bool = False,
                ) -> list[LinkedAccount]:
    query = select(LinkedAccount).where(LinkedAccount.user_id == user.id)
    if not include_unlinked:
        query = query.where(LinkedAccount.status != AccountStatus.UNLINKED)
    return list(session.scalars(query.order_by(LinkedAccount.network, LinkedAccount.id)))


def active_accounts_of(session: Session, user: User) -> list[LinkedAccount]:
    return [a for a in accounts_of(session, user) if a.status == AccountStatus.ACTIVE]


def own_account(session: Session, user: User, account_id: int) -> LinkedAccount:
    """The advisor's own account, else NotFound (others' ids are not revealed)."""
    account = session.get(LinkedAccount, account_id)
    if account is None or account.user_id != user.id:
        raise NotFound()
    return account


def link_account(session: Session, *, user: User, network: str, account: Account,
                 tokens: TokenSet, cipher: TokenCipher) -> LinkedAccount:
    """Save a freshly authorised account. New (or once rejected/unlinked): it waits for
    compliance. A relink of an approved account restores it and releases its held posts."""
    require_role(user, Role.ADVISOR)
    if not account.external_id:
        raise ValidationError(_l("The network did not say which account was linked."))
    existing = session.scalars(
        select(LinkedAccount).where(LinkedAccount.user_id == user.id,
                                    LinkedAccount.network == network,
                                    LinkedAccount.external_id == account.external_id)
        .order_by(LinkedAccount.id.desc())
    ).first()
    if existing is not None and existing.status.still_linked:
        before = _snapshot(existing)
        store_tokens(existing, account.token or tokens, cipher)
        existing.grantor_external_id = account.grantor_id
        existing.display_name = account.name
        existing.profile_url = account.profile_url
        existing.picture_url = account.picture_url
        existing.relink_reminded_at = None
        grants.record_grant(session, existing, tokens=account.token or tokens, now=utcnow())
        if existing.status == AccountStatus.RELINK_NEEDED:
            existing.status = AccountStatus.ACTIVE
            release_held_targets(session, existing)
        record(session, user, "linked_account.relinked", existing, before, _snapshot(existing))
        session.flush()
        return existing
    linked = LinkedAccount(user_id=user.id, network=network, external_id=account.external_id,
                           grantor_external_id=account.grantor_id, display_name=account.name,
                           profile_url=account.profile_url, picture_url=account.picture_url,
                           status=AccountStatus.PENDING_APPROVAL)
    store_tokens(linked, account.token or tokens, cipher)
    session.add(linked)
    session.flush()
    grants.record_grant(session, linked, tokens=account.token or tokens, now=utcnow())
    linked.review_id = upstream.submit_for_review(
        session, kind=KIND, subject_id=linked.id, author=user,
        content=upstream.Content(
            text="\n".join(x for x in (account.name, account.profile_url or "") if x),
            link_url=account.profile_url, media_url=account.picture_url,
            title=f"{network}: {account.name}"),
        networks=[network], branch_id=user.branch_id,
    )
    record(session, user, "linked_account.linked", linked, None, _snapshot(linked))
    session.flush()
    return linked


def account_editors(session: Session, account_id: int) -> frozenset[int]:
    """Who linked the account (the only person who changes it): barred from deciding."""
    account = session.get(LinkedAccount, account_id)
    return frozenset({account.user_id}) if account is not None else frozenset()


def _name_words(name: str) -> set[str]:
    """A person's name as a set of words, without accents or case ("Zoé  MARTIN" ~
    "martin zoe")."""
    plain = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return {word for word in re.split(r"[\W_]+", plain.casefold()) if word}


def account_details(session: Session, account_id: int) -> Any:
    """What the reviewer of a linked account sees: the profile (name, picture, URL), with
    a name that is not the advisor's flagged (registered as the kind's ``describe``)."""
    account = session.get(LinkedAccount, account_id)
    if account is None:
        raise NotFound()
    advisor = account.user
    differs = _name_words(account.display_name) != _name_words(advisor.full_name)
    return upstream.subject_details([
        {"label": _l("Name on the network"), "text": account.display_name, "key": "name",
         "warning": _l("This is not the advisor's name (%(name)s): check that the account "
                       "is theirs.", name=advisor.full_name) if differs else None},
        {"label": _l("Picture"), "image_url": account.picture_url,
         "text": None if account.picture_url else "—", "key": "picture"},
        {"label": _l("Profile"), "text": account.profile_url or "—",
         "href": account.profile_url, "key": "profile"},
        {"label": _l("Network"), "text": network_label(account.network), "key": "network"},
        {"label": _l("Advisor"), "text": advisor.full_name, "key": "advisor"},
    ], heading=_l("The profile to be linked"), replaces_content=True)


def on_account_decision(session: Session, subject_id: int, outcome: str, review: Any) -> None:
    """Compliance decided on a linked account (registered with approvals)."""
    account = session.get(LinkedAccount, subject_id)
    if account is None or account.status != AccountStatus.PENDING_APPROVAL:
        return
    before = _snapshot(account)
    if outcome == "approved":
        account.status = AccountStatus.ACTIVE
        message = N_("Your %(network)s account %(name)s was approved: you can publish to it.")
    elif outcome == "rejected":
        account.status = AccountStatus.REJECTED
        message = N_("Your %(network)s account %(name)s was not approved: %(reason)s. "
                     "%(comment)s")
    else:
        account.status = AccountStatus.REJECTED
        message = N_("Your %(network)s account %(name)s was not approved. %(comment)s")
    record(session, None, f"linked_account.{account.status}", account, before,
           _snapshot(account))
    reason = upstream.reason_texts(session, getattr(review, "reason_code", None))
    # The one notification of this decision (approvals leaves it to us: tells_author).
    notify(session, account.user, message,
           {"network": network_label(account.network), "name": account.display_name,
            "reason": reason or "", "comment": getattr(review, "comment", None) or ""},
           "/publishing/accounts")
    session.flush()


def unlink_account(session: Session, *, account_id: int, actor: User,
                   adapter: NetworkAdapter | None, cipher: TokenCipher) -> Unlinked:
    """Revoke the grant (where the network can and no other linked account lives on it),
    forget the tokens, cancel the account's pending rows.

    Revocation is best effort: a failure is logged, audited and returned, never blocking.
    """
    account = own_account(session, actor, account_id)
    if account.status == AccountStatus.UNLINKED:
        return Unlinked([], NOT_REVOCABLE)
    sharing = _accounts_sharing_grant(session, account)
    if sharing:
        log.info("not revoking account %s: accounts %s still use its grant", account.id, sharing)
        revocation = GRANT_SHARED
    else:
        revocation = _revoke(account, adapter, cipher)
    before = _snapshot(account)
    account.status = AccountStatus.UNLINKED
    account.token_ciphertext = None
    account.token_expires_at = None
    after = {**_snapshot(account), "revocation": revocation}
    if sharing:
        after["grant_still_used_by"] = sharing
    record(session, actor, "linked_account.unlinked", account, before, after)
    targets = list(session.scalars(select(PublicationTarget)
                                   .where(PublicationTarget.account_id == account.id)))
    cancelled = cancel_open_targets(session, targets, actor=actor,
                                    reason=str(_l("The account was unlinked.")))
    return Unlinked(cancelled, revocation)


def _accounts_sharing_grant(session: Session, account: LinkedAccount) -> list[int]:
    """Other still-linked accounts on the same grant, whichever advisor linked them.

    One Facebook user's grant covers every Page they linked: revoking it when one Page is
    unlinked would silently cut off the others (and hold their posts). So the grant is
    revoked with the last of them; until then it stays, and the audit says why.
    """
    if not account.grantor_external_id:
        return []
    return list(session.scalars(
        select(LinkedAccount.id).where(
            LinkedAccount.network == account.network,
            LinkedAccount.grantor_external_id == account.grantor_external_id,
            LinkedAccount.id != account.id,
            LinkedAccount.status.in_([s for s in AccountStatus if s.still_linked]))
        .order_by(LinkedAccount.id)))


def _revoke(account: LinkedAccount, adapter: NetworkAdapter | None,
            cipher: TokenCipher) -> Revocation:
    if adapter is None or not adapter.supports_revoke or not account.token_ciphertext:
        return NOT_REVOCABLE
    try:
        revoked = adapter.revoke(load_tokens(account, cipher), account.grantor_external_id)
    except (NetworkError, ValueError) as error:  # revocation is best effort
        log.warning("revoking account %s failed: %s", account.id, error)
        return REVOKE_FAILED
    return REVOKED if revoked else NOT_REVOCABLE


def mark_relink_needed(session: Session, account: LinkedAccount, reason: str) -> None:
    """The network refused our token: hold the account's rows and ask the advisor to relink."""
    if account.status != AccountStatus.ACTIVE:
        return
    before = _snapshot(account)
    account.status = AccountStatus.RELINK_NEEDED
    record(session, None, "linked_account.relink_needed", account, before,
           {**_snapshot(account), "reason": reason})
    held = list(session.scalars(select(PublicationTarget).where(
        PublicationTarget.account_id == account.id,
        PublicationTarget.state == TargetState.SCHEDULED)))
    for target in held:
        set_target_state(session, target, TargetState.HELD, failure_class=FailureClass.REAUTH,
                         error=reason)
    notify(session, account.user,
           N_("Your %(network)s account %(name)s must be relinked; its posts are on hold."),
           {"network": account.network, "name": account.display_name}, "/publishing/accounts")
    session.flush()


def release_held_targets(session: Session, account: LinkedAccount) -> None:
    """After a relink: held rows go back to the outbox (a row whose send may have happened
    goes back to reconciliation, never to a blind resend)."""
    held = list(session.scalars(select(PublicationTarget).where(
        PublicationTarget.account_id == account.id, PublicationTarget.state == TargetState.HELD)))
    # Rows an app-wide hold keeps (a retired API version, the X cap...) wait for its resume.
    kept = holds.held_by_active_hold(session, [t.id for t in held])
    held = [t for t in held if t.id not in kept]
    for target in held:
        if target.failure_class == FailureClass.OUTCOME_UNKNOWN:
            set_target_state(session, target, TargetState.PUBLISHING)
            target.lease_expires_at = None  # the dispatcher reconciles it first
        else:
            set_target_state(session, target, TargetState.SCHEDULED)
    for post_id in {t.post_id for t in held}:
        settle_post(session, post_id)
