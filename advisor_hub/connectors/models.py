"""Connector health: app-wide holds, the shared rate buckets, each account's grant, X spend,
connector settings and the "told once" notices.

Side tables next to the publishing tables (same Alembic branch): nothing here changes a
linked account or an outbox row's columns.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advisor_hub.accounts.models import User
from advisor_hub.db import Base, utcnow


class HoldCause(enum.StrEnum):
    """Why a whole network is held: the app's or the firm's fault, not a post's."""

    VERSION_RETIRED = "version_retired"  # LinkedIn 426
    APP_CREDENTIALS = "app_credentials"  # 401 invalid_client, 403 about the app
    CREDITS_EXHAUSTED = "credits_exhausted"  # X 402
    SPEND_CAP = "spend_cap"  # the admin's monthly X cap reached
    SERVER_ERRORS = "server_errors"  # a storm of 5xx across accounts
    MANUAL = "manual"  # an administrator held it


def _enum(cls: type[enum.StrEnum], length: int = 32) -> Enum:
    return Enum(cls, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda members: [m.value for m in members])


class NetworkHold(Base):
    """One app-wide hold of a network. ``active`` is True until resolved, then NULL: the
    unique constraint allows one active hold per network and cause (NULLs never collide)."""

    __tablename__ = "network_holds"
    __table_args__ = (UniqueConstraint("network", "cause", "active",
                                       name="uq_network_holds_network_cause_active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(20), index=True)
    cause: Mapped[HoldCause] = mapped_column(_enum(HoldCause))
    # For the administrator: the network's raw answer, the version sent, the count of errors.
    detail: Mapped[str] = mapped_column(Text, default="")
    # The API version sent when the hold began (a version hold ends once another is configured).
    api_version: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool | None] = mapped_column(default=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    resolved_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<NetworkHold {self.id} {self.network} {self.cause} active={self.active}>"


class HeldTarget(Base):
    """An outbox row a hold stopped: released when (and only when) that hold is resumed."""

    __tablename__ = "network_held_targets"

    hold_id: Mapped[int] = mapped_column(
        ForeignKey("network_holds.id", ondelete="CASCADE"), primary_key=True)
    target_id: Mapped[int] = mapped_column(
        ForeignKey("publication_targets.id", ondelete="CASCADE"), primary_key=True, index=True)


class RateBucket(Base):
    """A token bucket shared by every scheduler process: ``tokens`` at ``updated_ts`` (Unix
    seconds, float so the refill is plain arithmetic on both backends), refilled at
    ``refill_per_second`` up to ``capacity``."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    capacity: Mapped[float]
    refill_per_second: Mapped[float]
    tokens: Mapped[float]
    updated_ts: Mapped[float]


class ServerErrorStreak(Base):
    """The storm detector, shared by every scheduler process: the server errors (5xx) each
    network answered in a row since its last success, the account the streak began with and
    whether another account has had one since (one account's trouble is not the network's)."""

    __tablename__ = "server_error_streaks"

    network: Mapped[str] = mapped_column(String(20), primary_key=True)
    streak: Mapped[int]
    first_account_id: Mapped[int | None]
    mixed: Mapped[bool]


class AccountGrant(Base):
    """What the portal knows of one linked account's grant, and its health."""

    __tablename__ = "account_grants"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("linked_accounts.id", ondelete="CASCADE"), primary_key=True)
    # The first consent of this grant (a relink starts a new one).
    granted_at: Mapped[datetime]
    # When the grant ends whatever the refreshes (None: no known end).
    grant_ends_at: Mapped[datetime | None]
    # The smallest "days before the end" reminder already sent for this grant.
    reminded_days: Mapped[int | None]
    last_success_at: Mapped[datetime | None]
    # The last error: its problem code (advice for the advisor) and the network's raw words
    # (for the administrator only).
    last_problem: Mapped[str | None] = mapped_column(String(40))
    last_problem_at: Mapped[datetime | None]
    last_raw_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NetworkCharge(Base):
    """What one accepted post cost (X pay-per-use), once per outbox row."""

    __tablename__ = "network_charges"
    __table_args__ = (Index("ix_network_charges_network_charged_at", "network", "charged_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(
        ForeignKey("publication_targets.id", ondelete="SET NULL"), unique=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("linked_accounts.id", ondelete="SET NULL"))
    with_link: Mapped[bool] = mapped_column(default=False)
    # Millionths of a US dollar: exact sums on SQLite as on PostgreSQL.
    amount_micros: Mapped[int]
    charged_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConnectorSetting(Base):
    """Settings an administrator changes at run time (X prices and cap)."""

    __tablename__ = "connector_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ConnectorNotice(Base):
    """A message sent once: the key says what it was about (a version, a hold, a grant)."""

    __tablename__ = "connector_notices"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
