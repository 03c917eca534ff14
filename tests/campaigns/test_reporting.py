"""The adoption figures: the funnel over the advisors invited to a campaign, a campaign's
reach, the digest's effect."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from advisor_hub.campaigns import reporting
from advisor_hub.campaigns import services as campaigns
from advisor_hub.campaigns.models import CampaignPost
from advisor_hub.db import utcnow
from advisor_hub.publishing.models import AccountStatus, Post, PostState, TargetState

pytestmark = pytest.mark.both_backends


def _publish(session, post: Post, when) -> None:
    for target in post.targets:
        target.state, target.published_at = TargetState.PUBLISHED, when
    post.state = PostState.PUBLISHED
    session.flush()


def test_funnel_reach_and_digest_effect(db_session, bank, ctx) -> None:
    active, lapsed, linked_only = bank.advisor(), bank.advisor(), bank.advisor()
    never = bank.advisor(accounts=1)
    next(a for a in bank.accounts.values() if a.user_id == never.id).status = \
        AccountStatus.UNLINKED
    bank.advisor(bank.paris)  # not in the audience: not invited
    campaign = bank.campaign([(bank.version("A"), 0, "09:00"), (bank.version("B"), 1,
                                                                "09:00")],
                             branch_ids=[bank.lyon.id])
    for advisor in (active, lapsed, linked_only):
        campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=advisor)
    rows = {(r.advisor_id, r.step.day_offset): r for r in db_session.scalars(
        select(CampaignPost))}
    now = utcnow()
    _publish(db_session, db_session.get(Post, rows[(active.id, 0)].post_id), now)
    _publish(db_session, db_session.get(Post, rows[(lapsed.id, 0)].post_id),
             now - timedelta(days=45))
    campaigns.skip_step(db_session, campaign_id=campaign.id,
                        step_id=rows[(linked_only.id, 1)].step_id, advisor=linked_only)
    campaigns.leave(db_session, campaign_id=campaign.id, advisor=lapsed)
    figures = reporting.adoption(db_session, actor=bank.marketing, now=now)
    assert figures.funnel == reporting.Funnel(invited=4, linked=3, first_post=2, active=1)
    (reach,) = figures.reach
    assert (reach.invited, reach.opted_in, reach.left) == (4, 2, 1)
    assert (reach.published, reach.scheduled, reach.skipped, reach.cancelled) == (2, 2, 1, 1)
    assert figures.digest == reporting.DigestEffect(0, 0, 0, 0)


def _dashboard_figures(page: str) -> tuple[str, ...]:
    """The four funnel numbers as the dashboard shows them."""
    import re

    section = page.split('data-testid="funnel"', 1)[1].split("</div>\n<h3", 1)[0]
    return tuple(re.findall(r'<div class="h3 mb-0">(\d+)</div>', section))


def test_the_adoption_dashboard_shows_funnel_reach_and_digest_in_its_scope(
        client, auth, db_session, bank, factory) -> None:
    lyon_advisor, paris_advisor = bank.advisor(), bank.advisor(bank.paris)
    campaign = bank.campaign([(bank.version("A"), 0, "09:00")], name="Everyone's campaign")
    for advisor in (lyon_advisor, paris_advisor):
        campaigns.opt_in(db_session, campaign_id=campaign.id, advisor=advisor)
    manager = factory.user("branch_manager", branch=bank.paris, language="fr")
    db_session.flush()
    auth.login(bank.marketing)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert 'data-testid="campaign-adoption"' in page and "Everyone&#39;s campaign" in page
    assert _dashboard_figures(page) == ("2", "2", "0", "0")
    assert 'data-testid="reach"' in page and 'data-testid="digest"' in page
    # The dashboard's branch filter applies to the campaign figures too.
    page = client.get(f"/dashboard/?branch={bank.lyon.id}").get_data(as_text=True)
    assert _dashboard_figures(page) == ("1", "1", "0", "0")
    auth.logout()
    auth.login(manager)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert _dashboard_figures(page) == ("1", "1", "0", "0")
    assert "Adoption des campagnes" in page and "Portée des campagnes" in page


def test_a_branch_manager_gets_only_their_branch_figures(db_session, bank, factory) -> None:
    from advisor_hub.errors import PermissionDenied

    manager = factory.user("branch_manager", branch=bank.paris)
    assert reporting.dashboard_adoption(db_session, actor=manager,
                                        branch_id=bank.paris.id).funnel.invited == 0
    for other in (bank.lyon.id, None):
        with pytest.raises(PermissionDenied):
            reporting.dashboard_adoption(db_session, actor=manager, branch_id=other)
    advisor = factory.user("advisor", branch=bank.paris)
    with pytest.raises(PermissionDenied):
        reporting.dashboard_adoption(db_session, actor=advisor, branch_id=bank.paris.id)
