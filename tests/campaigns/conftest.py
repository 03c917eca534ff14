"""Campaign fixtures: a bank with marketing, compliance and advisors (with active accounts),
library posts and campaigns approved through the real approvals and library packages."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import Branch, User
from advisor_hub.campaigns import services as campaigns
from advisor_hub.campaigns.models import Campaign
from advisor_hub.connectors.grants import record_grant
from advisor_hub.db import utcnow
from advisor_hub.networks import TokenSet
from advisor_hub.publishing.models import AccountStatus, LinkedAccount
from approvals import services as approvals
from content_library import services as library

_ids = itertools.count(1)


def days_ahead(n: int) -> date:
    return (utcnow() + timedelta(days=n)).date()


def next_dst_change(zone: str = "Europe/Paris", after: int = 3) -> date:
    """The first day (at least ``after`` days ahead) whose noon offset differs from the day
    before's: the clocks changed that night."""
    tz = ZoneInfo(zone)
    day = days_ahead(after)
    while True:
        before = datetime.combine(day - timedelta(days=1), datetime.min.time().replace(hour=12),
                                  tzinfo=tz).utcoffset()
        if datetime.combine(day, datetime.min.time().replace(hour=12),
                            tzinfo=tz).utcoffset() != before:
            return day
        day += timedelta(days=1)


@dataclass
class Bank:
    session: Session
    factory: Any
    marketing: User
    compliance: User
    lyon: Branch
    paris: Branch
    accounts: dict[int, LinkedAccount] = field(default_factory=dict)

    def advisor(self, branch: Branch | None = None, *, time_zone: str = "Europe/Paris",
                language: str = "en", accounts: int = 1, **kwargs: Any) -> User:
        user = self.factory.user("advisor", branch=branch or self.lyon, time_zone=time_zone,
                                 language=language, **kwargs)
        for _ in range(accounts):
            self.account(user)
        return user

    def account(self, user: User, network: str = "sandbox") -> LinkedAccount:
        n = next(_ids)
        account = LinkedAccount(user_id=user.id, network=network, external_id=f"sb-{n}",
                                display_name=f"{user.first_name} page {n}",
                                status=AccountStatus.ACTIVE)
        self.session.add(account)
        self.session.flush()
        # A live grant (a refresh token, no known end): scheduling checks the grant's end.
        record_grant(self.session, account, tokens=TokenSet("at", "rt"), now=utcnow())
        self.accounts[account.id] = account
        return account

    def version(self, title: str = "Savings week", text: str = "Open a savings account.",
                **fields: Any) -> Any:
        values = {"title": title, "text": text, "networks": ["linkedin", "x"], **fields}
        draft = library.create_item(self.session, actor=self.marketing,
                                    fields=library.ItemFields(**values))
        library.submit_version(self.session, actor=self.marketing, version_id=draft.id)
        approvals.decide(self.session, review_id=draft.review_id, actor=self.compliance,
                         decision="approve")
        return draft

    def draft_campaign(self, steps: list[tuple[Any, int, str]], *, start: date | None = None,
                       end: date | None = None, **fields: Any) -> Campaign:
        start = start or days_ahead(2)
        end = end or start + timedelta(days=max([d for _v, d, _t in steps] + [0]) + 1)
        campaign = campaigns.create_campaign(self.session, actor=self.marketing,
                                             fields=campaigns.CampaignFields(
                                                 name=fields.pop("name", "Spring savings"),
                                                 start_date=start, end_date=end, **fields))
        for version, day, at in steps:
            campaigns.add_step(self.session, actor=self.marketing, campaign_id=campaign.id,
                               step=campaigns.StepFields(version.id, day, at))
        return campaign

    def campaign(self, steps: list[tuple[Any, int, str]], **fields: Any) -> Campaign:
        campaign = self.draft_campaign(steps, **fields)
        campaigns.submit_campaign(self.session, actor=self.marketing, campaign_id=campaign.id)
        approvals.decide(self.session, review_id=campaign.review_id, actor=self.compliance,
                         decision="approve")
        return campaign


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"CAMPAIGN_STAGGER_MINUTES": 0}


@pytest.fixture
def bank(app: Any, db_session: Session, factory: Any) -> Bank:
    # ``app``: the factory registered every review kind (campaign included) with approvals.
    return Bank(db_session, factory, factory.user("marketing"), factory.user("compliance"),
                factory.branch("Lyon", city="Lyon"), factory.branch("Paris", city="Paris"))


@pytest.fixture
def ctx(app: Any) -> Any:
    """An app context for tests that call the services directly (the settings are read from
    the app's configuration). Not for tests that use the client."""
    with app.app_context():
        yield app
