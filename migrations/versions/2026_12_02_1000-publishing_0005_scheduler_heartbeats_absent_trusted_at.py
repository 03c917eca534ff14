"""publishing: scheduler heartbeats (one row per dispatch process) and
publication_targets.absent_trusted_at (from when a lookup's "absent" is believed)

Revision ID: publishing_0005
Revises: publishing_0004
Create Date: 2026-12-02 10:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import advisor_hub.db

revision: str = "publishing_0005"
down_revision: str | Sequence[str] | None = "publishing_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("process", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_tick_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_ok_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ticks", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_claimed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("process", name=op.f("pk_scheduler_heartbeats")),
    )
    # Nullable, no default: rows in flight at the upgrade get it at their next unknown
    # outcome or reconciliation (None means "not set for this attempt yet": wait first).
    with op.batch_alter_table("publication_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("absent_trusted_at",
                                      advisor_hub.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("publication_targets", schema=None) as batch_op:
        batch_op.drop_column("absent_trusted_at")
    op.drop_table("scheduler_heartbeats")
