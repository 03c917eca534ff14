"""Marketing writes a campaign (fields, audience, steps of approved library items) and sends
it to compliance, who approve it as a whole through approvals (kind "campaign"): the review's
text is the whole schedule and audience, so its content hash covers them. An approved
campaign is frozen; its approval invites the audience."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

import content_library.services as library
from advisor_hub.accounts.models import User
from advisor_hub.accounts.services import branch_names, find_user
from advisor_hub.audit.services import record
from advisor_hub.audit.services import trail_for as audit_trail
from advisor_hub.campaigns.models import Campaign, CampaignState, CampaignStep, TimeMode
from advisor_hub.campaigns.schedule import parse_time, wall_clock_to_utc, zone
from advisor_hub.db import utcnow
from advisor_hub.errors import Conflict, NotFound, PermissionDenied, ValidationError
from advisor_hub.i18n import LANGUAGES
from advisor_hub.roles import ROLE_LABELS, Role, require_role
from approvals import services as approvals
from approvals.models import ReviewStatus

KIND = "campaign"
AUTHORS = (Role.MARKETING,)
READERS = (Role.MARKETING, Role.COMPLIANCE, Role.SENIOR_COMPLIANCE, Role.ADMIN)
MAX_STEPS = 60


EDITING_ACTIONS = ("campaign.created", "campaign.updated", "campaign.step_added",
                   "campaign.step_removed", "campaign.submitted")


def campaign_editors(session: Session, campaign_id: int) -> frozenset[int]:
    """Who wrote, changed or submitted the campaign (separation of duties: none of them may
    decide on it), from its audit trail: every edit is audited with its actor."""
    campaign = get_campaign(session, campaign_id)
    editors = {campaign.created_by_id}
    for event in audit_trail(session, (Campaign.__tablename__, campaign_id)):
        if event.action in EDITING_ACTIONS and event.actor_id is not None:
            editors.add(event.actor_id)
    return frozenset(editors)


def campaign_url(campaign_id: int) -> str:
    """Where the author's notification about a decision links to."""
    return f"/campaigns/manage/{campaign_id}"


@dataclass(frozen=True)
class CampaignFields:
    name: str
    start_date: date | None
    end_date: date | None
    goal: str = ""
    time_mode: str = TimeMode.ADVISOR
    time_zone: str = "Europe/Paris"
    branch_ids: list[int] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StepFields:
    version_id: int | None
    day_offset: int | None
    send_time: str


def _state(campaign: Campaign) -> dict[str, Any]:
    return {"name": campaign.name, "state": campaign.state, "start_date": campaign.start_date,
            "end_date": campaign.end_date, "time_mode": campaign.time_mode,
            "time_zone": campaign.time_zone, "branch_ids": campaign.branch_ids,
            "roles": campaign.roles, "languages": campaign.languages,
            "review_id": campaign.review_id,
            "steps": [(s.version_id, s.day_offset, s.send_time) for s in campaign.steps]}


def _clean(session: Session, fields: CampaignFields) -> CampaignFields:
    name = " ".join((fields.name or "").split())
    if not name:
        raise ValidationError(_l("Give the campaign a name."), field="name")
    if len(name) > 200:
        raise ValidationError(_l("The name is at most 200 characters."), field="name")
    goal = (fields.goal or "").strip()
    if len(goal) > 2000:
        raise ValidationError(_l("The goal is at most 2000 characters."), field="goal")
    if fields.start_date is None or fields.end_date is None:
        raise ValidationError(_l("Give the first and the last day."), field="start_date")
    if fields.end_date < fields.start_date:
        raise ValidationError(_l("The last day comes before the first."), field="end_date")
    days = approvals.expiry_days()
    if (fields.end_date - fields.start_date).days >= days:
        # A post's approval lapses when unused that long: a longer campaign would be refused
        # at publish time, so it is refused now.
        raise ValidationError(_l("A campaign lasts at most %(n)d days.", n=days),
                              field="end_date")
    try:
        mode = TimeMode(fields.time_mode)
    except ValueError:
        raise ValidationError(_l("Choose whose clock the times follow."),
                              field="time_mode") from None
    if zone(fields.time_zone).key != fields.time_zone:
        raise ValidationError(_l("Unknown time zone."), field="time_zone")
    branch_ids = sorted(set(fields.branch_ids))
    if set(branch_names(session, branch_ids)) != set(branch_ids):
        raise ValidationError(_l("Unknown branch."), field="branch_ids")
    roles = sorted(set(fields.roles))
    if any(r not in {str(x) for x in Role} for r in roles):
        raise ValidationError(_l("Unknown role."), field="roles")
    languages = sorted(set(fields.languages))
    if any(language not in LANGUAGES for language in languages):
        raise ValidationError(_l("Unknown language."), field="languages")
    return CampaignFields(name, fields.start_date, fields.end_date, goal, mode,
                          fields.time_zone, branch_ids, roles, languages)


def _apply(campaign: Campaign, fields: CampaignFields) -> None:
    campaign.name, campaign.goal = fields.name, fields.goal
    campaign.start_date, campaign.end_date = fields.start_date, fields.end_date  # type: ignore[assignment]
    campaign.time_mode, campaign.time_zone = TimeMode(fields.time_mode), fields.time_zone
    campaign.branch_ids, campaign.roles = list(fields.branch_ids), list(fields.roles)
    campaign.languages = list(fields.languages)


def create_campaign(session: Session, *, actor: User, fields: CampaignFields) -> Campaign:
    require_role(actor, *AUTHORS)
    fields = _clean(session, fields)
    campaign = Campaign(created_by_id=actor.id, state=CampaignState.DRAFT)
    _apply(campaign, fields)
    session.add(campaign)
    session.flush()
    record(session, actor, "campaign.created", campaign, after=_state(campaign))
    return campaign


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound()
    return campaign


def read_campaign(session: Session, *, actor: User, campaign_id: int) -> Campaign:
    require_role(actor, *READERS)
    return get_campaign(session, campaign_id)


def list_campaigns(session: Session, *, actor: User) -> list[Campaign]:
    require_role(actor, *READERS)
    return list(session.scalars(select(Campaign).order_by(Campaign.start_date.desc(),
                                                          Campaign.id.desc())))


def _editable(session: Session, actor: User, campaign_id: int) -> Campaign:
    require_role(actor, *AUTHORS)
    campaign = get_campaign(session, campaign_id)
    if not campaign.state.editable:
        raise Conflict(_l("This campaign is %(state)s: it can no longer be changed.",
                          state=campaign.state.label))
    return campaign


def update_campaign(session: Session, *, actor: User, campaign_id: int,
                    fields: CampaignFields) -> Campaign:
    campaign = _editable(session, actor, campaign_id)
    fields = _clean(session, fields)
    before = _state(campaign)
    _apply(campaign, fields)
    session.flush()
    record(session, actor, "campaign.updated", campaign, before=before, after=_state(campaign))
    return campaign


def _usable_version(session: Session, version_id: int | None) -> Any:
    """An approved, not retired library version; ValidationError otherwise."""
    try:
        version = library.get_version(session, version_id) if version_id else None
    except NotFound:
        version = None
    if version is None or version.status != library.Status.APPROVED \
            or version.item.retired_at is not None:
        raise ValidationError(_l("Choose an approved library post."), field="version_id")
    return version


def add_step(session: Session, *, actor: User, campaign_id: int,
             step: StepFields) -> CampaignStep:
    campaign = _editable(session, actor, campaign_id)
    version = _usable_version(session, step.version_id)
    if step.day_offset is None or step.day_offset < 0:
        raise ValidationError(_l("Give the day of the campaign (1 is its first day)."),
                              field="day")
    if campaign.start_date + timedelta(days=step.day_offset) > campaign.end_date:
        raise ValidationError(_l("That day is after the campaign's last day."), field="day")
    try:
        parse_time(step.send_time)
    except ValueError:
        raise ValidationError(_l("Give a time as HH:MM."), field="send_time") from None
    if len(campaign.steps) >= MAX_STEPS:
        raise ValidationError(_l("A campaign has at most %(n)d posts.", n=MAX_STEPS))
    added = CampaignStep(campaign=campaign, version_id=version.id, item_id=version.item_id,
                         title=version.title, language=version.language,
                         day_offset=step.day_offset, send_time=step.send_time)
    session.add(added)
    session.flush()
    record(session, actor, "campaign.step_added", campaign,
           after={"version_id": version.id, "day_offset": step.day_offset,
                  "send_time": step.send_time})
    return added


def remove_step(session: Session, *, actor: User, campaign_id: int, step_id: int) -> None:
    campaign = _editable(session, actor, campaign_id)
    step = next((s for s in campaign.steps if s.id == step_id), None)
    if step is None:
        raise NotFound()
    campaign.steps.remove(step)
    session.flush()
    record(session, actor, "campaign.step_removed", campaign,
           before={"version_id": step.version_id, "day_offset": step.day_offset,
                   "send_time": step.send_time})


def _check_steps(session: Session, campaign: Campaign) -> list[Any]:
    """Every step's version still approved, meant for the campaign's audience and valid on
    its day (read on the campaign's zone; the publish-time check is the final word)."""
    if not campaign.steps:
        raise ValidationError(_l("Add at least one library post."))
    versions = []
    for step in campaign.steps:
        version = _usable_version(session, step.version_id)
        if not version.audience_all:
            targeted = {b.id for b in version.branches}
            if not campaign.branch_ids or not set(campaign.branch_ids) <= targeted:
                raise ValidationError(_l("%(title)s is not meant for every branch of the "
                                         "audience.", title=version.title))
        if campaign.languages and version.language not in campaign.languages:
            raise ValidationError(_l("%(title)s is not in a language of the audience.",
                                     title=version.title))
        when = wall_clock_to_utc(campaign.start_date + timedelta(days=step.day_offset),
                                 parse_time(step.send_time), campaign.time_zone)
        if (version.available_from and when < version.available_from) or \
                (version.expires_at and when >= version.expires_at):
            raise ValidationError(_l("%(title)s is not available on day %(day)d.",
                                     title=version.title, day=step.day_offset + 1))
        versions.append(version)
    return versions


def summary(session: Session, campaign: Campaign, versions: list[Any] | None = None) -> str:
    """The text compliance approves: the whole schedule and audience, one fact per line,
    with each library post's version and approval."""
    versions = versions if versions is not None else [
        _usable_version(session, s.version_id) for s in campaign.steps]
    branches = branch_names(session, campaign.branch_ids)
    clock = (_("each advisor's own time zone") if campaign.time_mode == TimeMode.ADVISOR
             else campaign.time_zone)
    lines = [
        _("Campaign: %(name)s", name=campaign.name),
        _("Goal: %(goal)s", goal=campaign.goal or "—"),
        _("Period: %(start)s to %(end)s", start=campaign.start_date.isoformat(),
          end=campaign.end_date.isoformat()),
        _("Times: %(clock)s", clock=clock),
        _("Branches: %(list)s", list=", ".join(branches[i] for i in campaign.branch_ids)
          or _("all")),
        _("Roles: %(list)s", list=", ".join(str(ROLE_LABELS[Role(r)]) for r in campaign.roles)
          or _("all advisors")),
        _("Languages: %(list)s", list=", ".join(campaign.languages) or _("all")),
        _("Schedule:"),
    ]
    for n, (step, version) in enumerate(zip(campaign.steps, versions, strict=True), 1):
        day = campaign.start_date + timedelta(days=step.day_offset)
        lines.append(_("%(n)d. day %(day)d (%(date)s) at %(time)s: \"%(title)s\" (library "
                       "version %(version)d, approval %(review)s)", n=n, day=step.day_offset + 1,
                       date=day.isoformat(), time=step.send_time, title=version.title,
                       version=version.id, review=version.review_id or "—"))
    return "\n".join(lines)


def submit_campaign(session: Session, *, actor: User, campaign_id: int) -> Campaign:
    campaign = _editable(session, actor, campaign_id)
    versions = _check_steps(session, campaign)
    networks = sorted({n for v in versions for n in v.networks})
    review = approvals.submit_for_review(
        session, kind=KIND, subject_id=campaign.id, author=actor,
        content=approvals.ReviewContent(text=summary(session, campaign, versions),
                                        title=campaign.name),
        networks=networks, branch_id=None, category=None)
    before = _state(campaign)
    campaign.review_id = review.id
    campaign.state = CampaignState.IN_REVIEW
    campaign.submitted_at = utcnow()
    session.flush()
    record(session, actor, "campaign.submitted", campaign, before=before,
           after=_state(campaign))
    return campaign


_AFTER_REVIEW = {
    ReviewStatus.CHANGES_REQUESTED: CampaignState.CHANGES_REQUESTED,
    ReviewStatus.REJECTED: CampaignState.REJECTED,
    ReviewStatus.EXPIRED: CampaignState.DRAFT,
    ReviewStatus.WITHDRAWN: CampaignState.DRAFT,
}


def on_campaign_decision(session: Session, campaign_id: int, outcome: str,
                         review: Any) -> None:
    """Approvals' decision on a campaign (kind "campaign", declared in
    ``advisor_hub.features``): approved, it is frozen and its audience invited."""
    from advisor_hub.campaigns.audience import invite_audience

    campaign = get_campaign(session, campaign_id)
    if campaign.state != CampaignState.IN_REVIEW:
        raise Conflict(_l("This campaign is not in review."))
    decider = find_user(session, getattr(review, "decided_by_id", None))
    status = ReviewStatus(outcome)
    before = _state(campaign)
    if status == ReviewStatus.APPROVED:
        # Separation of duties: approvals refuses the author already; fail closed here too.
        if decider is None or decider.id == campaign.created_by_id:
            raise PermissionDenied(_l("Nobody approves their own work."))
        campaign.state = CampaignState.APPROVED
        campaign.approved_at = getattr(review, "decided_at", None) or utcnow()
        campaign.approved_by_id = decider.id
        campaign.review_id = review.id
    elif status in _AFTER_REVIEW:
        campaign.state = _AFTER_REVIEW[status]
    else:
        raise ValidationError(_l("Unknown review outcome."))
    session.flush()
    record(session, decider, f"campaign.{status}", campaign, before=before,
           after=_state(campaign))
    if campaign.state == CampaignState.APPROVED:
        invite_audience(session, campaign, now=utcnow())


def end_campaign(session: Session, *, actor: User, campaign_id: int,
                 now: datetime | None = None) -> Campaign:
    """Marketing ends an approved campaign: nobody can opt in any more (the posts already
    scheduled stay, each advisor may still skip them or leave)."""
    require_role(actor, *AUTHORS)
    campaign = get_campaign(session, campaign_id)
    if campaign.state != CampaignState.APPROVED:
        raise Conflict(_l("Only an approved campaign can be ended."))
    before = _state(campaign)
    campaign.state = CampaignState.ENDED
    campaign.ended_at = now or utcnow()
    session.flush()
    record(session, actor, "campaign.ended", campaign, before=before, after=_state(campaign))
    return campaign
