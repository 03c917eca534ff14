"""Token refresh holds no database lock during the call, and two workers racing to refresh one
account (two processes: each has its own in-process lock) end with the same, stored pair."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from advisor_hub.accounts import services as accounts
from advisor_hub.db import make_engine, utcnow
from advisor_hub.networks import ReauthNeeded, TokenCipher, TokenSet
from advisor_hub.publishing import models as m
from advisor_hub.publishing import tokens as token_store
from advisor_hub.publishing.models import LinkedAccount
from advisor_hub.publishing.tokens import fresh_tokens, store_tokens
from tests.lock_probe import write_elsewhere
from tests.publishing.conftest import KEY

CIPHER = TokenCipher(KEY)


@dataclass
class TokenEndpoint:
    """A network's token endpoint. Refresh tokens are single use unless ``reuse_allowed`` (a
    grace period: a second refresh with the same token gets a pair of its own). Each call
    first proves that the account row can be written from another connection, then waits
    until ``callers`` refreshers are inside the call at once."""

    database_url: str
    account_id: int
    callers: int = 1
    reuse_allowed: bool = False
    live_refresh: set[str] = field(default_factory=lambda: {"rt-0"})
    live_access: set[str] = field(default_factory=lambda: {"at-0"})
    issued: list[TokenSet] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.together = threading.Barrier(self.callers, timeout=10)

    def refresh(self, tokens: TokenSet) -> TokenSet:
        assert write_elsewhere(self.database_url, update(LinkedAccount).where(
            LinkedAccount.id == self.account_id).values(relink_reminded_at=None)) == 1
        self.together.wait()
        with self.lock:
            if tokens.refresh_token not in self.live_refresh:
                raise ReauthNeeded("invalid_grant: the refresh token was already used")
            if not self.reuse_allowed:
                self.live_refresh.discard(tokens.refresh_token)
            n = len(self.issued) + 1
            pair = TokenSet(f"at-{n}", f"rt-{n}", expires_at=utcnow() + timedelta(hours=2))
            self.issued.append(pair)
            self.live_access.add(pair.access_token)
            self.live_refresh.add(pair.refresh_token)  # type: ignore[arg-type]
            return pair


@pytest.fixture
def engine(fresh_database_url: str) -> Iterator[Engine]:
    engine = make_engine(fresh_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def account_id(engine: Engine) -> int:
    with Session(engine) as session:
        user = accounts.create_user(session, actor=None, email="t@example.com", first_name="T",
                                    last_name="U", password="x" * 12, roles=("advisor",),
                                    branch_id=None)
        account = LinkedAccount(user_id=user.id, network="x", external_id="42",
                                display_name="@t", status=m.AccountStatus.ACTIVE)
        # Expires in a minute: inside the refresh margin (five).
        store_tokens(account, TokenSet("at-0", "rt-0", expires_at=utcnow() + timedelta(
            minutes=1)), CIPHER)
        session.add(account)
        session.commit()
        return account.id


@pytest.fixture
def two_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each refresher gets its own in-process lock, as two worker processes would."""
    monkeypatch.setattr(token_store, "_local_lock", lambda _account_id: threading.Lock())


def stored(engine: Engine, account_id: int) -> TokenSet:
    with Session(engine) as session:
        ciphertext = session.scalar(select(LinkedAccount.token_ciphertext)
                                    .where(LinkedAccount.id == account_id))
    return CIPHER.decrypt_tokens(ciphertext)


def race(engine: Engine, account_id: int, endpoint: TokenEndpoint) -> list[str]:
    def refresher(_: int) -> str:
        with Session(engine, expire_on_commit=False) as session:
            return fresh_tokens(session, account_id, endpoint, CIPHER).access_token  # type: ignore[arg-type]

    with ThreadPoolExecutor(endpoint.callers) as pool:
        return list(pool.map(refresher, range(endpoint.callers)))


@pytest.mark.both_backends
def test_no_lock_is_held_while_the_network_answers(engine, account_id, fresh_database_url,
                                                    backend) -> None:
    endpoint = TokenEndpoint(fresh_database_url, account_id)
    assert race(engine, account_id, endpoint) == ["at-1"]
    assert stored(engine, account_id).access_token == "at-1"


@pytest.mark.both_backends
def test_the_loser_of_a_single_use_race_uses_the_winners_pair(engine, account_id, two_processes,
                                                               fresh_database_url,
                                                               backend) -> None:
    endpoint = TokenEndpoint(fresh_database_url, account_id, callers=2)
    results = race(engine, account_id, endpoint)
    assert len(endpoint.issued) == 1  # the refresh token was spent once
    winner = endpoint.issued[0]
    assert results == [winner.access_token] * 2
    assert stored(engine, account_id) == winner
    assert winner.access_token in endpoint.live_access


@pytest.mark.both_backends
def test_a_second_pair_never_overwrites_the_stored_one(engine, account_id, two_processes,
                                                       fresh_database_url, backend) -> None:
    endpoint = TokenEndpoint(fresh_database_url, account_id, callers=2, reuse_allowed=True)
    results = race(engine, account_id, endpoint)
    assert len(endpoint.issued) == 2  # both got a pair from the network...
    kept = stored(engine, account_id)
    assert kept in endpoint.issued  # ...exactly one was stored, and both callers use it
    assert results == [kept.access_token] * 2


def test_a_refused_refresh_with_no_newer_pair_still_means_relink(
        engine, account_id, fresh_database_url, monkeypatch) -> None:
    monkeypatch.setattr(token_store, "RACE_WAIT_SECONDS", 0.3)
    endpoint = TokenEndpoint(fresh_database_url, account_id, live_refresh=set())
    with Session(engine) as session, pytest.raises(ReauthNeeded):
        fresh_tokens(session, account_id, endpoint, CIPHER)  # type: ignore[arg-type]
    assert stored(engine, account_id).access_token == "at-0"
