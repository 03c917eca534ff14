"""campaigns: campaign_client_events (clients' upcoming life events an advisor recorded)

Revision ID: campaigns_0002
Revises: campaigns_0001
Create Date: 2026-12-04 09:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import advisor_hub.db

revision: str = "campaigns_0002"
down_revision: str | Sequence[str] | None = "campaigns_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_client_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advisor_id", sa.Integer(), nullable=False),
        sa.Column("client_first_name", sa.String(length=40), nullable=False),
        sa.Column("event_type_id", sa.Integer(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("created_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("composed_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["advisor_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_campaign_client_events_advisor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_client_events")),
    )
    with op.batch_alter_table("campaign_client_events", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_client_events_advisor_id_event_date",
                              ["advisor_id", "event_date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("campaign_client_events", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_client_events_advisor_id_event_date")
    op.drop_table("campaign_client_events")
