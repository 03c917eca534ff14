"""An advisor and a campaign: the calendar of what it would publish on their accounts (with
the approvals behind it), opting in, skipping one post, leaving, and a retired library item.

Opting in claims each (step, account) with a row of ``campaign_posts`` before composing
anything: the row is unique per (campaign, advisor, step, account), so a second opt-in (twice
in a row, from two devices, at the same moment) finds the row taken and composes nothing;
on PostgreSQL the second insert waits for the first transaction and then fails. The posts are
composed through publishing's public service as unedited library posts (approved on creation,
checked again at publish time)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import content_library.services as library
from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.campaigns.audience import in_audience, invitation_url
from advisor_hub.campaigns.authoring import get_campaign
from advisor_hub.campaigns.errors import CampaignClosed, NotInAudience
from advisor_hub.campaigns.models import (
    Campaign,
    CampaignMember,
    CampaignPost,
    CampaignPostState,
    CampaignState,
    CampaignStep,
    MemberState,
    TimeMode,
)
from advisor_hub.campaigns.schedule import step_time, zone
from advisor_hub.campaigns.settings import schedule_ahead, stagger_minutes
from advisor_hub.db import rows_changed, utcnow
from advisor_hub.errors import DomainError, NotFound, ValidationError
from advisor_hub.notifications.services import N_, notify
from advisor_hub.publishing import services as publishing
from advisor_hub.publishing.reporting import post_approvals
from advisor_hub.roles import Role, require_role

# A step due sooner than this at opt-in is not scheduled any more (it could not be checked
# and claimed in time).
LEAD_TIME = timedelta(seconds=15)
RETIRED_REASON = N_("The library post was retired: this campaign post was cancelled.")


@dataclass(frozen=True)
class PlannedPost:
    """One line of an advisor's campaign calendar."""

    step: CampaignStep
    account_id: int
    account_name: str
    network: str
    when: datetime                      # UTC
    state: CampaignPostState | None     # None: not scheduled (not opted in yet)
    post_id: int | None
    reason: str | None
    item_review_id: int | None          # the library item's approval
    missed: bool                        # its time passed before the advisor opted in
    post_review_id: int | None = None   # the post's own approval (resting on the item's)

    @property
    def future(self) -> bool:
        return self.when > utcnow()


@dataclass(frozen=True)
class OptIn:
    scheduled: int       # (step, account) pairs scheduled by this call
    already: int         # already scheduled before (another opt-in, another device)
    not_scheduled: list[tuple[str, str]]  # (title, reason)


def member_of(session: Session, campaign_id: int, advisor: User) -> CampaignMember | None:
    return session.scalar(select(CampaignMember).where(
        CampaignMember.campaign_id == campaign_id, CampaignMember.advisor_id == advisor.id))


def visible_campaign(session: Session, *, advisor: User, campaign_id: int) -> Campaign:
    """A campaign the advisor may see: approved (or ended) and meant for them, or one they
    were invited to; NotFound otherwise (nothing given away)."""
    require_role(advisor, Role.ADVISOR)
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.state not in (CampaignState.APPROVED, CampaignState.ENDED):
        raise NotFound()
    if member_of(session, campaign_id, advisor) is None and not in_audience(campaign, advisor):
        raise NotFound()
    return campaign


def campaigns_for(session: Session, advisor: User) -> list[tuple[Campaign, CampaignMember]]:
    """The campaigns the advisor was invited to, newest first, with their membership."""
    require_role(advisor, Role.ADVISOR)
    rows = session.execute(
        select(Campaign, CampaignMember).join(CampaignMember,
                                              CampaignMember.campaign_id == Campaign.id)
        .where(CampaignMember.advisor_id == advisor.id,
               Campaign.state.in_((CampaignState.APPROVED, CampaignState.ENDED)))
        .order_by(Campaign.start_date.desc(), Campaign.id.desc()))
    return [(c, m) for c, m in rows]


def applies_to(step: CampaignStep, campaign: Campaign, advisor: User) -> bool:
    """A step in another language than the advisor's is for their colleagues (a campaign
    with languages carries each post in each of them)."""
    return not campaign.languages or step.language == advisor.language


def when_for(campaign: Campaign, step: CampaignStep, advisor: User,
             stagger: int | None = None) -> datetime:
    """The UTC time the step goes out for this advisor."""
    clock = advisor.time_zone if campaign.time_mode == TimeMode.ADVISOR else campaign.time_zone
    return step_time(start=campaign.start_date, day_offset=step.day_offset,
                     send_time=step.send_time, time_zone=zone(clock).key,
                     campaign_id=campaign.id, advisor_id=advisor.id,
                     stagger_minutes=stagger_minutes() if stagger is None else stagger)


def _networks(session: Session, version_id: int) -> tuple[list[str], int | None]:
    try:
        version = library.get_version(session, version_id)
    except NotFound:
        return [], None
    return list(version.networks or []), version.review_id


def _fits(account: Any, networks: list[str]) -> bool:
    # As in the composer: the Sandbox stands in for every network.
    return not networks or account.network in (*networks, "sandbox")


def plan(session: Session, campaign: Campaign, advisor: User, *,
         now: datetime | None = None) -> list[PlannedPost]:
    """What the campaign publishes (or would) on each of the advisor's accounts, and when:
    the rows already claimed, then the steps not claimed on the active accounts."""
    now = now or utcnow()
    accounts = {a.id: a for a in publishing.accounts_of(session, advisor)}
    active = [a for a in accounts.values() if a.status == "active"]
    rows = {(r.step_id, r.account_id): r for r in session.scalars(select(CampaignPost).where(
        CampaignPost.campaign_id == campaign.id, CampaignPost.advisor_id == advisor.id))}
    lines = []
    for step in campaign.steps:
        if not applies_to(step, campaign, advisor):
            continue
        networks, item_review = _networks(session, step.version_id)
        when = when_for(campaign, step, advisor)
        claimed = {account_id for (step_id, account_id) in rows if step_id == step.id}
        for account_id in sorted(claimed):
            row = rows[(step.id, account_id)]
            account = accounts.get(account_id)
            lines.append(PlannedPost(step, account_id,
                                     account.display_name if account else "—",
                                     account.network if account else "", row.scheduled_at,
                                     row.state, row.post_id, row.reason, item_review, False))
        for account in active:
            if account.id in claimed or not _fits(account, networks):
                continue
            lines.append(PlannedPost(step, account.id, account.display_name, account.network,
                                     when, None, None, None, item_review,
                                     when <= now + LEAD_TIME))
    post_ids = sorted({p.post_id for p in lines if p.post_id is not None})
    if post_ids:
        reviews = dict(session.execute(post_approvals(post_ids)).all())
        lines = [replace(p, post_review_id=reviews.get(p.post_id)) if p.post_id else p
                 for p in lines]
    lines.sort(key=lambda p: (p.when, p.step.id, p.account_name, p.account_id))
    return lines


def _check_open(session: Session, campaign: Campaign, advisor: User, now: datetime) -> None:
    if campaign.state != CampaignState.APPROVED or campaign.end_date < now.date():
        raise CampaignClosed()
    if not in_audience(campaign, advisor):
        raise NotInAudience()


def _member(session: Session, campaign: Campaign, advisor: User, now: datetime
            ) -> CampaignMember:
    member = member_of(session, campaign.id, advisor)
    if member is None:
        try:
            with session.begin_nested():
                member = CampaignMember(campaign_id=campaign.id, advisor_id=advisor.id,
                                        state=MemberState.INVITED, invited_at=now)
                session.add(member)
                session.flush()
        except IntegrityError:
            member = member_of(session, campaign.id, advisor)
    assert member is not None
    return member


def _claim(session: Session, campaign: Campaign, advisor: User, step: CampaignStep,
           account_id: int, when: datetime) -> CampaignPost | None:
    """The (step, account) row for this opt-in, or None when another took it already. A row
    left behind by leaving the campaign is taken back (a conditional update)."""
    existing = session.scalar(select(CampaignPost).where(
        CampaignPost.campaign_id == campaign.id, CampaignPost.advisor_id == advisor.id,
        CampaignPost.step_id == step.id, CampaignPost.account_id == account_id))
    if existing is not None:
        if existing.state != CampaignPostState.LEFT:
            return None
        taken = rows_changed(session,
            update(CampaignPost).where(CampaignPost.id == existing.id,
                                       CampaignPost.state == CampaignPostState.LEFT)
            .values(state=CampaignPostState.PENDING, scheduled_at=when, post_id=None,
                    reason=None, updated_at=utcnow())
            .execution_options(synchronize_session=False))
        session.refresh(existing)
        return existing if taken == 1 else None
    row = CampaignPost(campaign_id=campaign.id, advisor_id=advisor.id, step_id=step.id,
                       account_id=account_id, state=CampaignPostState.PENDING,
                       scheduled_at=when)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same opt-in from elsewhere claimed it first
        return None
    return row


def _claim_all(session: Session, campaign: Campaign, advisor: User,
               wanted: list[tuple[CampaignStep, int, datetime]]
               ) -> dict[tuple[int, int], CampaignPost | None]:
    """``_claim`` for every (step, account, time) of one opt-in: the advisor's rows read in
    one query and the new ones inserted in one savepoint. When that insert collides (the same
    opt-in from another device got there first), each is claimed again on its own."""
    existing = {(r.step_id, r.account_id): r for r in session.scalars(select(CampaignPost)
                .where(CampaignPost.campaign_id == campaign.id,
                       CampaignPost.advisor_id == advisor.id))}
    claimed: dict[tuple[int, int], CampaignPost | None] = {}
    fresh: list[tuple[CampaignStep, int, datetime]] = []
    for step, account_id, when in wanted:
        if (step.id, account_id) in existing:
            claimed[(step.id, account_id)] = _claim(session, campaign, advisor, step,
                                                    account_id, when)
        else:
            fresh.append((step, account_id, when))
    if not fresh:
        return claimed
    rows = [CampaignPost(campaign_id=campaign.id, advisor_id=advisor.id, step_id=step.id,
                         account_id=account_id, state=CampaignPostState.PENDING,
                         scheduled_at=when) for step, account_id, when in fresh]
    try:
        with session.begin_nested():
            session.add_all(rows)
            session.flush()
    except IntegrityError:
        for step, account_id, when in fresh:
            claimed[(step.id, account_id)] = _claim(session, campaign, advisor, step,
                                                    account_id, when)
        return claimed
    for row in rows:
        claimed[(row.step_id, row.account_id)] = row
    return claimed


def _compose(session: Session, advisor: User, step: CampaignStep, rows: list[CampaignPost],
             when: datetime) -> str | None:
    """One post for these claimed rows of one step (one per account); returns the reason
    when it could not be composed (the rows say it too)."""
    try:
        with session.begin_nested():
            post = publishing.compose_library_post(
                session, author=advisor, version_id=step.version_id,
                account_ids=[r.account_id for r in rows], scheduled_at=when)
    except DomainError as error:
        for row in rows:
            row.state, row.reason = CampaignPostState.NOT_SCHEDULED, str(error)[:500]
        return str(error)
    for row in rows:
        row.state, row.post_id = CampaignPostState.SCHEDULED, post.id
    return None


def opt_in(session: Session, *, campaign_id: int, advisor: User,
           account_ids: list[int] | None = None, now: datetime | None = None) -> OptIn:
    """Claim the campaign's future steps on the advisor's chosen active accounts (all of
    them by default) and compose the posts due within ``CAMPAIGN_SCHEDULE_AHEAD_DAYS`` (the
    later ones are composed by a job as their time nears). Idempotent: what is claimed
    already is not claimed again."""
    require_role(advisor, Role.ADVISOR)
    now = now or utcnow()
    campaign = get_campaign(session, campaign_id)
    _check_open(session, campaign, advisor, now)
    active = publishing.active_accounts_of(session, advisor)
    chosen = [a for a in active if account_ids is None or a.id in set(account_ids)]
    if not chosen:
        raise ValidationError(_l("Link an account (and wait for its approval) to opt in."),
                              field="account_ids")
    member = _member(session, campaign, advisor, now)
    before = {"state": member.state}
    member.state, member.opted_in_at, member.left_at = MemberState.OPTED_IN, now, None
    horizon = now + schedule_ahead()
    scheduled = already = 0
    refused: list[tuple[str, str]] = []
    steps: list[tuple[CampaignStep, datetime, list[int]]] = []
    for step in campaign.steps:
        if not applies_to(step, campaign, advisor):
            continue
        when = when_for(campaign, step, advisor)
        if when <= now + LEAD_TIME:
            continue
        networks, _review = _networks(session, step.version_id)
        steps.append((step, when, [a.id for a in chosen if _fits(a, networks)]))
    rows = _claim_all(session, campaign, advisor,
                      [(step, account_id, when) for step, when, ids in steps
                       for account_id in ids])
    for step, when, ids in steps:
        claimed = [row for row in (rows[(step.id, account_id)] for account_id in ids)
                   if row is not None]
        already += len(ids) - len(claimed)
        if not claimed:
            continue
        if when > horizon:
            for row in claimed:
                row.state = CampaignPostState.PLANNED
            scheduled += len(claimed)
            continue
        reason = _compose(session, advisor, step, claimed, when)
        if reason is None:
            scheduled += len(claimed)
        else:
            refused.append((step.title, reason))
    session.flush()
    record(session, advisor, "campaign.opted_in", campaign, before=before,
           after={"state": member.state, "scheduled": scheduled, "already": already,
                  "advisor_id": advisor.id})
    return OptIn(scheduled, already, refused)


def compose_planned(session: Session, now: datetime) -> None:
    """Job: compose the planned rows whose time is within the horizon. Each row is taken by
    a conditional update, so two schedulers running this at once compose it once."""
    horizon = now + schedule_ahead()
    rows = list(session.scalars(select(CampaignPost).where(
        CampaignPost.state == CampaignPostState.PLANNED, CampaignPost.scheduled_at <= horizon)
        .order_by(CampaignPost.advisor_id, CampaignPost.step_id, CampaignPost.id)))
    groups: dict[tuple[int, int], list[CampaignPost]] = defaultdict(list)
    for row in rows:
        taken = rows_changed(session,
            update(CampaignPost).where(CampaignPost.id == row.id,
                                       CampaignPost.state == CampaignPostState.PLANNED)
            .values(state=CampaignPostState.PENDING, updated_at=now)
            .execution_options(synchronize_session=False))
        if taken == 1:
            session.refresh(row)
            groups[(row.advisor_id, row.step_id)].append(row)
    for (advisor_id, _step_id), claimed in groups.items():
        advisor = session.get(User, advisor_id)
        when = claimed[0].scheduled_at
        if advisor is None or when <= now + LEAD_TIME:
            for row in claimed:
                row.state, row.reason = CampaignPostState.NOT_SCHEDULED, N_(
                    "Its time passed before it could be scheduled.")
            continue
        _compose(session, advisor, claimed[0].step, claimed, when)
    session.flush()


@dataclass(frozen=True)
class Cancelled:
    title: str
    when: datetime


def _cancel_rows(session: Session, advisor: User, rows: list[CampaignPost],
                 state: CampaignPostState) -> list[Cancelled]:
    """Cancel the posts of these rows (through publishing, as the advisor); the rows take
    ``state``. A post already out (or going out) stays as it is."""
    cancelled: list[Cancelled] = []
    by_post: dict[int, list[CampaignPost]] = defaultdict(list)
    planned: dict[int, list[CampaignPost]] = defaultdict(list)
    for row in rows:
        if row.post_id is not None:
            by_post[row.post_id].append(row)
        else:  # planned: nothing composed yet
            row.state = state
            planned[row.step_id].append(row)
    cancelled.extend(Cancelled(r[0].step.title, r[0].scheduled_at) for r in planned.values())
    for post_id, post_rows in by_post.items():
        try:
            with session.begin_nested():
                publishing.cancel_post(session, post_id=post_id, actor=advisor)
        except DomainError:
            continue  # out already, or cancelled by the advisor in "My posts"
        for row in post_rows:
            row.state = state
        cancelled.append(Cancelled(post_rows[0].step.title, post_rows[0].scheduled_at))
    session.flush()
    return cancelled


def _future_rows(session: Session, campaign_id: int, advisor: User, now: datetime,
                 step_id: int | None = None) -> list[CampaignPost]:
    query = select(CampaignPost).where(
        CampaignPost.campaign_id == campaign_id, CampaignPost.advisor_id == advisor.id,
        CampaignPost.state.in_((CampaignPostState.SCHEDULED, CampaignPostState.PLANNED)),
        CampaignPost.scheduled_at > now)
    if step_id is not None:
        query = query.where(CampaignPost.step_id == step_id)
    return list(session.scalars(query.order_by(CampaignPost.scheduled_at, CampaignPost.id)))


def skip_step(session: Session, *, campaign_id: int, step_id: int, advisor: User,
              now: datetime | None = None) -> list[Cancelled]:
    """Skip one post of the campaign (on every account); the rest stays scheduled."""
    require_role(advisor, Role.ADVISOR)
    now = now or utcnow()
    visible_campaign(session, advisor=advisor, campaign_id=campaign_id)
    rows = _future_rows(session, campaign_id, advisor, now, step_id)
    if not rows:
        raise ValidationError(_l("Nothing of this post is left to skip."))
    cancelled = _cancel_rows(session, advisor, rows, CampaignPostState.SKIPPED)
    if not cancelled:
        raise ValidationError(_l("This post is being published or already is."))
    record(session, advisor, "campaign.step_skipped", get_campaign(session, campaign_id),
           after={"step_id": step_id, "advisor_id": advisor.id})
    return cancelled


def _when_text(advisor: User, when: datetime) -> str:
    return when.astimezone(zone(advisor.time_zone)).strftime("%Y-%m-%d %H:%M")


def leave(session: Session, *, campaign_id: int, advisor: User,
          now: datetime | None = None) -> list[Cancelled]:
    """Leave the campaign: every future post of it is cancelled; the advisor is told which."""
    require_role(advisor, Role.ADVISOR)
    now = now or utcnow()
    campaign = visible_campaign(session, advisor=advisor, campaign_id=campaign_id)
    member = member_of(session, campaign_id, advisor)
    if member is None or member.state != MemberState.OPTED_IN:
        raise ValidationError(_l("You have not opted in to this campaign."))
    cancelled = _cancel_rows(session, advisor, _future_rows(session, campaign_id, advisor, now),
                             CampaignPostState.LEFT)
    member.state, member.left_at = MemberState.LEFT, now
    session.flush()
    record(session, advisor, "campaign.left", campaign,
           after={"advisor_id": advisor.id, "cancelled": len(cancelled)})
    notify(session, advisor, N_("You left the campaign \"%(name)s\"; posts cancelled: "
                                "%(posts)s."),
           {"name": campaign.name, "posts": "; ".join(
               f"{c.title} ({_when_text(advisor, c.when)})" for c in cancelled) or "—"},
           invitation_url(campaign.id))
    return cancelled


def on_item_retired(session: Session, *, item_id: int, version_ids: list[int] | None = None,
                    actor: User | None = None, **_: Any) -> None:
    """A library item was retired (signal ``library.item_retired``, in that transaction):
    its campaign posts not yet out are cancelled everywhere, and each advisor told which."""
    rows = list(session.scalars(
        select(CampaignPost).join(CampaignStep, CampaignStep.id == CampaignPost.step_id)
        .where(CampaignStep.item_id == item_id,
               CampaignPost.state.in_((CampaignPostState.SCHEDULED,
                                       CampaignPostState.PLANNED)))))
    if not rows:
        return
    post_ids = sorted({r.post_id for r in rows if r.post_id is not None})
    cancelled = {t.post_id for t in publishing.cancel_posts(session, post_ids=post_ids,
                                                            reason=RETIRED_REASON)}
    told: dict[int, list[CampaignPost]] = defaultdict(list)
    for row in rows:
        if row.post_id in cancelled or row.state == CampaignPostState.PLANNED:
            row.state, row.reason = CampaignPostState.RETIRED, RETIRED_REASON
            told[row.advisor_id].append(row)
    session.flush()
    for advisor_id, advisor_rows in told.items():
        advisor = session.get(User, advisor_id)
        if advisor is None:
            continue
        first = advisor_rows[0]
        notify(session, advisor, N_("The library post \"%(title)s\" was retired: its campaign "
                                    "posts were cancelled (%(posts)s)."),
               {"title": first.step.title, "posts": "; ".join(sorted(
                   {_when_text(advisor, r.scheduled_at) for r in advisor_rows}))},
               invitation_url(first.campaign_id))
    for campaign_id in sorted({r.campaign_id for rows_ in told.values() for r in rows_}):
        record(session, actor, "campaign.item_retired", get_campaign(session, campaign_id),
               after={"item_id": item_id, "cancelled_posts": sorted(
                   {r.post_id for rows_ in told.values() for r in rows_
                    if r.campaign_id == campaign_id and r.post_id is not None})})


def on_library_item_retired(session: Session, **kwargs: Any) -> None:
    """The ``library.item_retired`` handler (blinker passes the session as the sender)."""
    on_item_retired(session, **kwargs)
