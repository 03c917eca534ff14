"""Adoption figures: the funnel (invited → linked an account → first post → active in the
last 30 days), each campaign's reach, and the digest's effect. Queries on this package's
tables, composed with the ``reporting`` queries of accounts, publishing and the library."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.accounts.reporting import users_of_branch
from advisor_hub.campaigns.models import (
    Campaign,
    CampaignMember,
    CampaignPost,
    CampaignPostState,
    CampaignState,
    DigestLink,
    DigestSent,
    MemberState,
)
from advisor_hub.db import utcnow
from advisor_hub.errors import PermissionDenied
from advisor_hub.publishing.models import PostState
from advisor_hub.publishing.reporting import (
    last_publication_by_author,
    post_states,
    users_with_active_account,
)
from advisor_hub.roles import Role, require_role

ACTIVE_DAYS = 30
VIEWERS = (Role.MARKETING, Role.ADMIN)


def invited_advisors() -> Select[int]:
    """Advisors invited to at least one campaign: (advisor_id), distinct."""
    return select(CampaignMember.advisor_id).distinct()


@dataclass(frozen=True)
class Funnel:
    invited: int
    linked: int
    first_post: int
    active: int


def funnel(session: Session, now: datetime | None = None, branch_id: int | None = None
           ) -> Funnel:
    now = now or utcnow()
    invited = set(session.scalars(invited_advisors() if branch_id is None else
                                  invited_advisors().where(
                                      CampaignMember.advisor_id.in_(users_of_branch(branch_id)))))
    linked = invited & set(session.scalars(users_with_active_account()))
    ever = {a for a, _last in session.execute(last_publication_by_author())}
    recent = {a for a, _last in session.execute(
        last_publication_by_author(now - timedelta(days=ACTIVE_DAYS)))}
    return Funnel(len(invited), len(linked), len(invited & ever), len(invited & recent))


@dataclass(frozen=True)
class Reach:
    campaign: Campaign
    invited: int
    opted_in: int
    left: int
    scheduled: int
    published: int
    skipped: int
    cancelled: int


def reach(session: Session, campaign: Campaign, branch_id: int | None = None) -> Reach:
    """A campaign's reach; ``branch_id``: among that branch's advisors only."""
    members: Counter[str] = Counter()
    member_filter = [] if branch_id is None else [
        CampaignMember.advisor_id.in_(users_of_branch(branch_id))]
    post_filter = [] if branch_id is None else [
        CampaignPost.advisor_id.in_(users_of_branch(branch_id))]
    for state, count in session.execute(
            select(CampaignMember.state, func.count()).where(
                CampaignMember.campaign_id == campaign.id, *member_filter)
            .group_by(CampaignMember.state)):
        members[str(state)] += int(count)
    rows = [(CampaignPostState(s), p) for s, p in session.execute(
        select(CampaignPost.state, CampaignPost.post_id).where(
            CampaignPost.campaign_id == campaign.id, *post_filter))]
    post_ids = sorted({p for _s, p in rows if p is not None})
    states: dict[int, PostState] = {
        i: PostState(s) for i, s in session.execute(post_states(post_ids))} if post_ids else {}
    live = [states.get(p) for s, p in rows if s == CampaignPostState.SCHEDULED and p]
    by_state = Counter(s for s, _p in rows)
    return Reach(
        campaign, sum(members.values()), members[MemberState.OPTED_IN],
        members[MemberState.LEFT],
        sum(1 for s in live if s in (PostState.SCHEDULED, PostState.PUBLISHING)),
        sum(1 for s in live if s == PostState.PUBLISHED), by_state[CampaignPostState.SKIPPED],
        by_state[CampaignPostState.LEFT] + by_state[CampaignPostState.RETIRED])


@dataclass(frozen=True)
class DigestEffect:
    sent: int
    links: int
    used: int
    published: int


def digest_effect(session: Session, branch_id: int | None = None) -> DigestEffect:
    sent_filter = [] if branch_id is None else [
        DigestSent.advisor_id.in_(users_of_branch(branch_id))]
    link_filter = [] if branch_id is None else [
        DigestLink.advisor_id.in_(users_of_branch(branch_id))]
    sent = session.scalar(select(func.count()).select_from(DigestSent)
                          .where(*sent_filter)) or 0
    links = session.scalar(select(func.count()).select_from(DigestLink)
                           .where(*link_filter)) or 0
    post_ids = [p for p in session.scalars(select(DigestLink.post_id).where(
        DigestLink.post_id.is_not(None), *link_filter)) if p is not None]
    states: dict[int, PostState] = {
        i: PostState(s) for i, s in session.execute(post_states(post_ids))} if post_ids else {}
    return DigestEffect(sent, links, len(post_ids),
                        sum(1 for p in post_ids if states.get(p) == PostState.PUBLISHED))


@dataclass(frozen=True)
class Adoption:
    funnel: Funnel
    reach: list[Reach]
    digest: DigestEffect


def _figures(session: Session, now: datetime | None, branch_id: int | None) -> Adoption:
    campaigns = session.scalars(select(Campaign).where(
        Campaign.state.in_((CampaignState.APPROVED, CampaignState.ENDED)))
        .order_by(Campaign.start_date.desc(), Campaign.id.desc()))
    return Adoption(funnel(session, now, branch_id),
                    [reach(session, c, branch_id) for c in campaigns],
                    digest_effect(session, branch_id))


def adoption(session: Session, *, actor: object, now: datetime | None = None,
             branch_id: int | None = None) -> Adoption:
    """The funnel, every approved campaign's reach and the digest's effect, firm-wide or
    among one branch's advisors."""
    require_role(actor, *VIEWERS)  # type: ignore[arg-type]
    return _figures(session, now, branch_id)


DASHBOARD_VIEWERS = (Role.BRANCH_MANAGER, Role.MARKETING, Role.COMPLIANCE, Role.ADMIN)


def dashboard_adoption(session: Session, *, actor: User, branch_id: int | None,
                       now: datetime | None = None) -> Adoption:
    """The same figures for the adoption dashboard, in its scope (``branch_id``: the
    branch the dashboard shows, None for every branch). A branch manager (without a
    firm-wide role) sees their own branch only: another branch, or every branch, is refused."""
    require_role(actor, *DASHBOARD_VIEWERS)
    firm_wide = actor.has_any_role((Role.MARKETING, Role.COMPLIANCE, Role.ADMIN))
    if not firm_wide and (actor.branch_id is None or branch_id != actor.branch_id):
        raise PermissionDenied()
    return _figures(session, now, branch_id)
