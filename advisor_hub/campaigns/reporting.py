"""Adoption figures: the funnel (invited → linked an account → first post → active in the
last 30 days), each campaign's reach, and the digest's effect. Queries on this package's
tables, composed with the ``reporting`` queries of accounts, publishing and the library."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

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


def funnel(session: Session, now: datetime | None = None) -> Funnel:
    now = now or utcnow()
    invited = set(session.scalars(invited_advisors()))
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


def reach(session: Session, campaign: Campaign) -> Reach:
    members: Counter[str] = Counter()
    for state, count in session.execute(
            select(CampaignMember.state, func.count()).where(
                CampaignMember.campaign_id == campaign.id).group_by(CampaignMember.state)):
        members[str(state)] += int(count)
    rows = [(CampaignPostState(s), p) for s, p in session.execute(
        select(CampaignPost.state, CampaignPost.post_id).where(
            CampaignPost.campaign_id == campaign.id))]
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


def digest_effect(session: Session) -> DigestEffect:
    sent = session.scalar(select(func.count()).select_from(DigestSent)) or 0
    links = session.scalar(select(func.count()).select_from(DigestLink)) or 0
    post_ids = [p for p in session.scalars(select(DigestLink.post_id).where(
        DigestLink.post_id.is_not(None))) if p is not None]
    states: dict[int, PostState] = {
        i: PostState(s) for i, s in session.execute(post_states(post_ids))} if post_ids else {}
    return DigestEffect(sent, links, len(post_ids),
                        sum(1 for p in post_ids if states.get(p) == PostState.PUBLISHED))


@dataclass(frozen=True)
class Adoption:
    funnel: Funnel
    reach: list[Reach]
    digest: DigestEffect


def adoption(session: Session, *, actor: object, now: datetime | None = None) -> Adoption:
    require_role(actor, *VIEWERS)  # type: ignore[arg-type]
    campaigns = session.scalars(select(Campaign).where(
        Campaign.state.in_((CampaignState.APPROVED, CampaignState.ENDED)))
        .order_by(Campaign.start_date.desc(), Campaign.id.desc()))
    return Adoption(funnel(session, now), [reach(session, c) for c in campaigns],
                    digest_effect(session))
