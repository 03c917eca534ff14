"""Who a campaign is for, and their invitations.

The audience: active advisors (only advisors post), in one of the campaign's branches (none
listed: every branch), holding one of its roles besides (none listed: any advisor), reading
one of its languages (none listed: any). Each advisor is invited once, whatever the number of
reasons they are in the audience (a unique member row per campaign and advisor)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User, UserRole
from advisor_hub.accounts.reporting import active_advisors
from advisor_hub.audit.services import record
from advisor_hub.campaigns.models import Campaign, CampaignMember, CampaignState, MemberState
from advisor_hub.notifications.services import N_, notify
from advisor_hub.roles import Role


def audience_ids(session: Session, campaign: Campaign) -> list[int]:
    """The ids of the advisors the campaign is for, in id order."""
    query = active_advisors().with_only_columns(User.id).order_by(User.id)
    if campaign.branch_ids:
        query = query.where(User.branch_id.in_(campaign.branch_ids))
    if campaign.languages:
        query = query.where(User.language.in_(campaign.languages))
    extra = [r for r in campaign.roles if r != Role.ADVISOR]
    if extra:
        query = query.where(exists().where(UserRole.user_id == User.id,
                                           UserRole.role.in_(extra)))
    return list(dict.fromkeys(session.scalars(query)))


def in_audience(campaign: Campaign, user: User) -> bool:
    """The same rule as ``audience_ids``, for one user."""
    if not user.active or not user.has_role(Role.ADVISOR):
        return False
    if campaign.branch_ids and user.branch_id not in campaign.branch_ids:
        return False
    if campaign.languages and user.language not in campaign.languages:
        return False
    extra = [Role(r) for r in campaign.roles if r != Role.ADVISOR]
    return not extra or user.has_any_role(extra)


def invitation_url(campaign_id: int) -> str:
    return f"/campaigns/{campaign_id}"


def invite_audience(session: Session, campaign: Campaign, *, now: datetime) -> int:
    """Invite whoever of the audience is not invited yet (a notification each); returns how
    many were. Run at approval, then by a job for advisors who joined the audience since."""
    if campaign.state != CampaignState.APPROVED or campaign.end_date < now.date():
        return 0
    known = set(session.scalars(select(CampaignMember.advisor_id)
                                .where(CampaignMember.campaign_id == campaign.id)))
    new = [i for i in audience_ids(session, campaign) if i not in known]
    invited = []
    for advisor_id in new:
        try:
            with session.begin_nested():
                session.add(CampaignMember(campaign_id=campaign.id, advisor_id=advisor_id,
                                           state=MemberState.INVITED, invited_at=now))
                session.flush()
        except IntegrityError:  # invited meanwhile by another transaction
            continue
        invited.append(advisor_id)
    for advisor_id in invited:
        user = session.get(User, advisor_id)
        if user is not None:
            notify(session, user, N_("You are invited to the campaign \"%(name)s\": see what "
                                     "it would publish on your accounts, and when."),
                   {"name": campaign.name}, invitation_url(campaign.id))
    if invited:
        record(session, None, "campaign.invited", campaign, after={"count": len(invited)})
    return len(invited)


def invite_new_members(session: Session, now: datetime) -> None:
    """Job: invite advisors who joined the audience of a running campaign since."""
    for campaign in session.scalars(select(Campaign).where(
            Campaign.state == CampaignState.APPROVED, Campaign.end_date >= now.date())):
        invite_audience(session, campaign, now=now)
    session.flush()
