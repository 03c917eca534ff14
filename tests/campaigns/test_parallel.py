"""The same advisor opting in from two devices at the same moment, with real commits: one
set of posts (PostgreSQL: the second insert waits for the first, then fails on the unique
constraint; SQLite: the writers take turns)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from advisor_hub import create_app
from advisor_hub.accounts.models import User
from advisor_hub.campaigns import services as campaigns
from advisor_hub.campaigns.models import CampaignPost
from advisor_hub.db import transaction
from advisor_hub.publishing.models import Post
from tests.campaigns.conftest import Bank
from tests.conftest import Factory, app_config

pytestmark = pytest.mark.both_backends


def test_two_opt_ins_at_once_give_one_set_of_posts(fresh_database_url: str,
                                                   tmp_path: Path) -> None:
    app = create_app(app_config(fresh_database_url, tmp_path, CAMPAIGN_STAGGER_MINUTES=5))
    with app.app_context(), transaction() as session:
        factory = Factory(session)
        bank = Bank(session, factory, factory.user("marketing"), factory.user("compliance"),
                    factory.branch("Lyon"), factory.branch("Paris"))
        advisor = bank.advisor(accounts=2)
        campaign = bank.campaign([(bank.version("A"), 0, "09:00"), (bank.version("B"), 1,
                                                                    "09:00"),
                                  (bank.version("C"), 2, "09:00")])
        advisor_id, campaign_id = advisor.id, campaign.id
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    # SQLite takes the write lock as the transaction begins: meet before it; PostgreSQL:
    # meet inside both transactions, so that both insert the same rows at once.
    postgres = fresh_database_url.startswith("postgresql")

    def opt_in() -> None:
        try:
            if not postgres:
                barrier.wait(timeout=10)
            with app.app_context(), transaction() as session:
                user = session.get(User, advisor_id)
                if postgres:
                    barrier.wait(timeout=10)
                results.append(campaigns.opt_in(session, campaign_id=campaign_id,
                                                advisor=user))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=opt_in) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(r.scheduled for r in results) == [0, 6]
    with app.app_context(), transaction() as session:
        assert session.scalar(select(func.count(CampaignPost.id))) == 6
        assert session.scalar(select(func.count(Post.id)).where(
            Post.author_id == advisor_id)) == 3
        assert session.scalar(select(func.count(func.distinct(CampaignPost.post_id)))) == 3
    from advisor_hub.db import database

    database(app).engine.dispose()
