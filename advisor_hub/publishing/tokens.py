"""Tokens at rest (encrypted), and their refresh with no database lock held while the network
answers.

X refresh tokens are single-use: of two workers refreshing one account at once, one spends
the token and gets the new pair; the other is refused (or, where a network lets a token be
used twice for a moment, gets a second pair). A refresh therefore

1. reads the stored pair and ends that transaction: no row lock, no SQLite write lock and no
   snapshot is held during the call;
2. calls the network;
3. stores the new pair with a compare-and-set on what it read (``UPDATE ... WHERE id = ? AND
   token_ciphertext = <the ciphertext read>``; every encryption differs, so any write in
   between fails it), a short write committed at once;
4. when the compare-and-set finds that another pair was stored meanwhile (another worker
   refreshed, or the advisor relinked), keeps that pair and uses it: the winner's pair is
   never overwritten. A refused refresh also looks, for a few seconds, for a pair stored
   since (the winner may still be saving it) before it concludes "relink needed".

Within one process the refreshes of one account also wait on a thread lock (no database
lock), so the threads of one worker spend the refresh token once.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from advisor_hub.db import rows_changed, utcnow
from advisor_hub.networks import (
    NetworkAdapter,
    NetworkError,
    ReauthNeeded,
    TokenCipher,
    TokenSet,
)
from advisor_hub.publishing.models import LinkedAccount

RACE_WAIT_SECONDS = 2.0  # how long a refused refresh looks for the pair a winner is storing
RACE_POLL_SECONDS = 0.1
ROUNDS = 3  # refreshes tried when each finds a pair stored meanwhile that needs one too

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


def fresh_tokens(session: Session, account_id: int, adapter: NetworkAdapter,
                 cipher: TokenCipher, *, now: datetime | None = None,
                 force: bool = False) -> TokenSet:
    """Usable tokens for the account, refreshed (and stored) first when near expiry.

    Raises ``ReauthNeeded`` when the network refuses the refresh and no newer pair was
    stored meanwhile; the caller marks the account "relink needed". When it refreshes it
    commits the session (before the call, to hold nothing during it; after, to store)."""
    account = session.get(LinkedAccount, account_id)
    assert account is not None
    tokens = load_tokens(account, cipher)
    if not force and not tokens.needs_refresh(now):
        return tokens
    with _local_lock(account_id):
        for _ in range(ROUNDS):
            seen, tokens = _read(session, account_id, cipher)
            if not force and not tokens.needs_refresh(now):
                return tokens  # refreshed by someone else meanwhile
            try:
                new = adapter.refresh(tokens)
            except ReauthNeeded:
                newer = _wait_for_newer(session, account_id, seen, cipher)
                if newer is None:
                    raise
                return newer
            if _store_if_unchanged(session, account_id, seen, new, cipher):
                return new
            force = False  # another pair was stored meanwhile: use it unless it needs one
    raise NetworkError("the token kept changing during its refresh; try again later")


def _read(session: Session, account_id: int, cipher: TokenCipher) -> tuple[str | None, TokenSet]:
    """The stored ciphertext and its tokens, read in a transaction of its own (an older one
    could hold a snapshot from before another worker's store), ended at once."""
    session.commit()
    account = session.get(LinkedAccount, account_id, populate_existing=True)
    session.commit()
    if account is None:
        raise ReauthNeeded("the linked account is gone")
    return account.token_ciphertext, load_tokens(account, cipher)


def _store_if_unchanged(session: Session, account_id: int, seen: str | None, tokens: TokenSet,
                        cipher: TokenCipher) -> bool:
    """Store ``tokens`` if the stored ciphertext is still ``seen``; commit. False: another pair
    was stored meanwhile and stays."""
    changed = rows_changed(session,
        update(LinkedAccount)
        .where(LinkedAccount.id == account_id, LinkedAccount.token_ciphertext == seen)
        .values(token_ciphertext=cipher.encrypt_tokens(tokens),
                token_expires_at=tokens.expires_at, updated_at=utcnow())
        .execution_options(synchronize_session="fetch"))
    session.commit()
    return changed == 1


def _wait_for_newer(session: Session, account_id: int, seen: str | None,
                    cipher: TokenCipher) -> TokenSet | None:
    """The pair stored since ``seen``, waiting a few seconds for it; None if none came."""
    deadline = time.monotonic() + RACE_WAIT_SECONDS
    while True:
        ciphertext, tokens = _read(session, account_id, cipher)
        if ciphertext != seen:
            return tokens
        if time.monotonic() >= deadline:
            return None
        time.sleep(RACE_POLL_SECONDS)
