"""Single-use refresh tokens (X, the Sandbox): concurrent users of one account refresh once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy.orm import Session

from advisor_hub.accounts import services as accounts
from advisor_hub.db import make_engine, utcnow
from advisor_hub.networks import TokenCipher
from advisor_hub.publishing.tokens import fresh_tokens
from tests.conftest import PASSWORD
from tests.publishing.conftest import KEY, sandbox_adapter
from tests.support.loadgen import link_sandbox_accounts


@pytest.mark.both_backends
def test_concurrent_refresh_spends_the_refresh_token_once(fresh_database_url, sandbox,
                                                          backend):
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        user = accounts.create_user(session, actor=None, email="t@example.com",
                                    first_name="T", last_name="U", password=PASSWORD,
                                    roles=("advisor",), branch_id=None)
        account_id = link_sandbox_accounts(session, user, sandbox.url, KEY, 1)[0].id
        session.commit()

    def use(_: int) -> str:
        with Session(engine, expire_on_commit=False) as session:
            return fresh_tokens(session, account_id, sandbox_adapter(sandbox.url),
                                TokenCipher(KEY)).access_token

    # Six minutes later the token (ten minutes) is inside the refresh margin (five).
    with time_machine.travel(utcnow() + timedelta(minutes=6)), ThreadPoolExecutor(4) as pool:
        tokens = list(pool.map(use, range(4)))
    engine.dispose()
    assert len(set(tokens)) == 1
    assert sandbox.state.stats()["requests"]["token"] == 2  # the code exchange + one refresh
