"""Tokens at rest (encrypted) and their refresh under a per-account lock.

X refresh tokens are single-use: two workers refreshing the same account at once would
leave one of them with a dead pair. So a refresh takes the account row's lock (``SELECT ...
FOR UPDATE`` on PostgreSQL; on SQLite the database write lock, plus a lock per account in
this process), re-reads the stored pair, refreshes only if still needed, and saves and
commits the new pair before anybody uses it.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from advisor_hub.db import utcnow
from advisor_hub.networks import NetworkAdapter, ReauthNeeded, TokenCipher, TokenSet
from advisor_hub.publishing.models import LinkedAccount

_local_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)
_local_locks_guard = threading.Lock()


def _local_lock(account_id: int) -> threading.Lock:
    with _local_locks_guard:
        return _local_locks[account_id]


def store_tokens(account: LinkedAccount, tokens: TokenSet, cipher: TokenCipher) -> None:
    account.token_ciphertext = cipher.encrypt_tokens(tokens)
    account.token_expires_at = tokens.expires_at


def load_tokens(account: LinkedAccount, cipher: TokenCipher) -> TokenSet:
    if not account.token_ciphertext:
        raise ReauthNeeded("no stored token; relink the account")
    return cipher.decrypt_tokens(account.token_ciphertext)


def lock_account(session: Session, account_id: int) -> LinkedAccount:
    """Take the account row's write lock for the rest of the transaction, and re-read it."""
    if session.get_bind().dialect.name == "postgresql":
        account = session.scalars(
            select(LinkedAccount).where(LinkedAccount.id == account_id)
            .with_for_update().execution_options(populate_existing=True)
        ).one()
    else:
        session.execute(update(LinkedAccount).where(LinkedAccount.id == account_id)
                        .values(updated_at=utcnow()))
        account = session.get(LinkedAccount, account_id, populate_existing=True)
        assert account is not None
    return account


def fresh_tokens(session: Session, account_id: int, adapter: NetworkAdapter,
                 cipher: TokenCipher, *, now: datetime | None = None,
                 force: bool = False) -> TokenSet:
    """Usable tokens for the account, refreshed (and committed) first when near expiry.

    Raises ``ReauthNeeded`` when the network refuses the refresh; the caller marks the
    account "relink needed". Commits the session when it refreshed.
    """
    account = session.get(LinkedAccount, account_id)
    assert account is not None
    tokens = load_tokens(account, cipher)
    if not force and not tokens.needs_refresh(now):
        return tokens
    with _local_lock(account_id):
        account = lock_account(session, account_id)
        tokens = load_tokens(account, cipher)
        if force or tokens.needs_refresh(now):
            tokens = adapter.refresh(tokens)
            store_tokens(account, tokens, cipher)
        session.commit()
    return tokens
