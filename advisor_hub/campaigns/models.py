"""Campaigns, their steps, who was invited and opted in, the posts each opt-in scheduled, and
the weekly digest's bookkeeping. One ``StrEnum`` per lifecycle, stored as its value.

References into other packages (library versions and items, posts, linked accounts, reviews)
are plain integer ids, as in publishing: packages talk through services and the migration
branches stay independent. Users are the shared foundation's table (a foreign key).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from advisor_hub.db import Base, utcnow


def _stored(states: type[enum.StrEnum]) -> Enum:
    """A VARCHAR(20) holding the enum's value (no database enum type, no CHECK)."""
    return Enum(states, native_enum=False, create_constraint=False, length=20,
                values_callable=lambda members: [m.value for m in members],
                validate_strings=True)


class _Lifecycle(enum.StrEnum):
    @property
    def label(self) -> LazyString:
        return _LABELS[self.value]

    @property
    def style(self) -> str:
        return _STYLES.get(self.value, "secondary")


class CampaignState(_Lifecycle):
    """A campaign: written by marketing, approved as a whole by compliance."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    APPROVED = "approved"
    ENDED = "ended"

    @property
    def editable(self) -> bool:
        return self in (CampaignState.DRAFT, CampaignState.CHANGES_REQUESTED,
                        CampaignState.REJECTED)


class TimeMode(enum.StrEnum):
    """Whose clock a step's time is read on."""

    ADVISOR = "advisor"  # each advisor's own time zone
    FIRM = "firm"        # the campaign's one time zone


class MemberState(_Lifecycle):
    INVITED = "invited"
    OPTED_IN = "opted_in"
    LEFT = "left"


class CampaignPostState(_Lifecycle):
    """One step of a campaign for one advisor's account."""

    PLANNED = "planned"              # claimed by an opt-in; composed when its time nears
    PENDING = "pending"              # claimed, its post being composed (this transaction)
    SCHEDULED = "scheduled"          # a post exists (its own state says where it stands)
    SKIPPED = "skipped"              # the advisor skipped this step
    LEFT = "left"                    # cancelled when the advisor left the campaign
    RETIRED = "retired"              # cancelled: its library item was retired
    NOT_SCHEDULED = "not_scheduled"  # could not be scheduled (``reason`` says why)

    @property
    def live(self) -> bool:
        """It will go out unless someone stops it."""
        return self in (CampaignPostState.PLANNED, CampaignPostState.SCHEDULED)


_LABELS: dict[str, LazyString] = {
    "draft": _l("Draft"), "in_review": _l("In review"),
    "changes_requested": _l("Changes requested"), "rejected": _l("Rejected"),
    "approved": _l("Approved"), "ended": _l("Ended"), "invited": _l("Invited"),
    "opted_in": _l("Opted in"), "left": _l("Left"), "pending": _l("Being scheduled"),
    "planned": _l("Planned"),
    "scheduled": _l("Scheduled"), "skipped": _l("Skipped"), "retired": _l("Item retired"),
    "not_scheduled": _l("Not scheduled"),
}
STATE_LABELS = _LABELS  # every lifecycle state of this package (advisor_hub.labels)
_STYLES = {"approved": "success", "opted_in": "success", "scheduled": "primary",
           "planned": "info",
           "rejected": "danger", "retired": "warning", "not_scheduled": "warning",
           "changes_requested": "warning", "in_review": "info"}


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[CampaignState] = mapped_column(_stored(CampaignState),
                                                 default=CampaignState.DRAFT, index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    time_mode: Mapped[TimeMode] = mapped_column(_stored(TimeMode), default=TimeMode.ADVISOR)
    # The firm-wide zone (time_mode "firm"); ignored in "advisor" mode.
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    # The audience: empty lists mean "every branch / any advisor / every language".
    branch_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    review_id: Mapped[int | None] = mapped_column(index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    steps: Mapped[list[CampaignStep]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan",
        order_by=lambda: (CampaignStep.day_offset, CampaignStep.send_time, CampaignStep.id))

    @validates("state")
    def _state(self, _key: str, value: str) -> CampaignState:
        return CampaignState(value)

    @validates("time_mode")
    def _mode(self, _key: str, value: str) -> TimeMode:
        return TimeMode(value)

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.state}>"


class CampaignStep(Base):
    """One library post of the campaign: on ``start_date + day_offset`` at ``send_time``."""

    __tablename__ = "campaign_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    version_id: Mapped[int] = mapped_column(index=True)  # an approved library version
    item_id: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(200))      # the version's, when added
    language: Mapped[str] = mapped_column(String(8), default="en")
    day_offset: Mapped[int] = mapped_column(default=0)
    send_time: Mapped[str] = mapped_column(String(5))    # "HH:MM", wall clock

    campaign: Mapped[Campaign] = relationship(back_populates="steps")


class CampaignMember(Base):
    """An advisor invited to a campaign, and whether they opted in."""

    __tablename__ = "campaign_members"
    __table_args__ = (UniqueConstraint("campaign_id", "advisor_id"),
                      Index("ix_campaign_members_advisor_id_state", "advisor_id", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[MemberState] = mapped_column(_stored(MemberState),
                                               default=MemberState.INVITED)
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    opted_in_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]

    @validates("state")
    def _state(self, _key: str, value: str) -> MemberState:
        return MemberState(value)


class CampaignPost(Base):
    """One step for one account of one advisor: at most one, ever (the unique constraint is
    what stops a double opt-in from posting twice)."""

    __tablename__ = "campaign_posts"
    __table_args__ = (
        UniqueConstraint("campaign_id", "advisor_id", "step_id", "account_id"),
        Index("ix_campaign_posts_campaign_id_state", "campaign_id", "state"),
        Index("ix_campaign_posts_advisor_id_scheduled_at", "advisor_id", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    step_id: Mapped[int] = mapped_column(ForeignKey("campaign_steps.id", ondelete="CASCADE"),
                                         index=True)
    account_id: Mapped[int]
    post_id: Mapped[int | None] = mapped_column(index=True)
    state: Mapped[CampaignPostState] = mapped_column(_stored(CampaignPostState),
                                                     default=CampaignPostState.PENDING)
    scheduled_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    step: Mapped[CampaignStep] = relationship()

    @validates("state")
    def _state(self, _key: str, value: str) -> CampaignPostState:
        return CampaignPostState(value)


class DigestSent(Base):
    """The weekly digest sent to an advisor for an ISO week ("2026-W48"): never twice."""

    __tablename__ = "campaign_digests_sent"

    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            primary_key=True)
    week: Mapped[str] = mapped_column(String(10), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestLink(Base):
    """A suggestion's link in a digest: signed, for one advisor, used at most once."""

    __tablename__ = "campaign_digest_links"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, in the signed token
    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)
    version_id: Mapped[int]
    week: Mapped[str] = mapped_column(String(10))
    proposed_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
    post_id: Mapped[int | None]


class DigestPreference(Base):
    """An advisor's choice about the digest (no row: subscribed)."""

    __tablename__ = "campaign_digest_preferences"

    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            primary_key=True)
    subscribed: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClientEvent(Base):
    """A client's upcoming life event an advisor recorded ("Bob's wedding on 14 Jan"): it is
    pending, and feeds the advisor's suggestions, until a message for it was composed.

    ``event_type_id`` is a life-event type of the library (``life_event_types``), a plain id
    like the other references into other packages."""

    __tablename__ = "campaign_client_events"
    __table_args__ = (Index("ix_campaign_client_events_advisor_id_event_date",
                            "advisor_id", "event_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_first_name: Mapped[str] = mapped_column(String(40))
    event_type_id: Mapped[int]
    event_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    composed_at: Mapped[datetime | None]   # a message for it was composed: no longer pending
    post_id: Mapped[int | None]            # that message
