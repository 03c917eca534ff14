"""campaigns: campaigns, their steps, members and scheduled posts; the weekly digest
(sent-table, links and preferences)

Revision ID: campaigns_0001
Revises: foundation_0001
Create Date: 2026-12-02 01:43:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import advisor_hub.db

revision: str = "campaigns_0001"
down_revision: str | Sequence[str] | None = "foundation_0001"
branch_labels: str | Sequence[str] | None = ("campaigns",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("campaign_digest_links",
    sa.Column("id", sa.String(length=32), nullable=False),
    sa.Column("advisor_id", sa.Integer(), nullable=False),
    sa.Column("version_id", sa.Integer(), nullable=False),
    sa.Column("week", sa.String(length=10), nullable=False),
    sa.Column("proposed_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column("created_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column("used_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column("post_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["advisor_id"], ["users.id"], name=op.f("fk_campaign_digest_links_advisor_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_digest_links"))
    )
    with op.batch_alter_table("campaign_digest_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_digest_links_advisor_id"), ["advisor_id"], unique=False)

    op.create_table("campaign_digest_preferences",
    sa.Column("advisor_id", sa.Integer(), nullable=False),
    sa.Column("subscribed", sa.Boolean(), nullable=False),
    sa.Column("changed_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["advisor_id"], ["users.id"], name=op.f("fk_campaign_digest_preferences_advisor_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("advisor_id", name=op.f("pk_campaign_digest_preferences"))
    )
    op.create_table("campaign_digests_sent",
    sa.Column("advisor_id", sa.Integer(), nullable=False),
    sa.Column("week", sa.String(length=10), nullable=False),
    sa.Column("sent_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["advisor_id"], ["users.id"], name=op.f("fk_campaign_digests_sent_advisor_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("advisor_id", "week", name=op.f("pk_campaign_digests_sent"))
    )
    op.create_table("campaigns",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("goal", sa.Text(), nullable=False),
    sa.Column("state", sa.String(length=20), nullable=False),
    sa.Column("start_date", sa.Date(), nullable=False),
    sa.Column("end_date", sa.Date(), nullable=False),
    sa.Column("time_mode", sa.String(length=20), nullable=False),
    sa.Column("time_zone", sa.String(length=64), nullable=False),
    sa.Column("branch_ids", sa.JSON(), nullable=False),
    sa.Column("roles", sa.JSON(), nullable=False),
    sa.Column("languages", sa.JSON(), nullable=False),
    sa.Column("review_id", sa.Integer(), nullable=True),
    sa.Column("created_by_id", sa.Integer(), nullable=False),
    sa.Column("approved_by_id", sa.Integer(), nullable=True),
    sa.Column("created_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column("updated_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column("submitted_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column("approved_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column("ended_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["approved_by_id"], ["users.id"], name=op.f("fk_campaigns_approved_by_id_users")),
    sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_campaigns_created_by_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns"))
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_review_id"), ["review_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaigns_state"), ["state"], unique=False)

    op.create_table("campaign_members",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("campaign_id", sa.Integer(), nullable=False),
    sa.Column("advisor_id", sa.Integer(), nullable=False),
    sa.Column("state", sa.String(length=20), nullable=False),
    sa.Column("invited_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column("opted_in_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column("left_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["advisor_id"], ["users.id"], name=op.f("fk_campaign_members_advisor_id_users")),
    sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_members_campaign_id_campaigns"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_members")),
    sa.UniqueConstraint("campaign_id", "advisor_id", name=op.f("uq_campaign_members_campaign_id"))
    )
    with op.batch_alter_table("campaign_members", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_members_advisor_id_state", ["advisor_id", "state"], unique=False)

    op.create_table("campaign_steps",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("campaign_id", sa.Integer(), nullable=False),
    sa.Column("version_id", sa.Integer(), nullable=False),
    sa.Column("item_id", sa.Integer(), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("language", sa.String(length=8), nullable=False),
    sa.Column("day_offset", sa.Integer(), nullable=False),
    sa.Column("send_time", sa.String(length=5), nullable=False),
    sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_steps_campaign_id_campaigns"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_steps"))
    )
    with op.batch_alter_table("campaign_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_steps_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_steps_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_steps_version_id"), ["version_id"], unique=False)

    op.create_table("campaign_posts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("campaign_id", sa.Integer(), nullable=False),
    sa.Column("advisor_id", sa.Integer(), nullable=False),
    sa.Column("step_id", sa.Integer(), nullable=False),
    sa.Column("account_id", sa.Integer(), nullable=False),
    sa.Column("post_id", sa.Integer(), nullable=True),
    sa.Column("state", sa.String(length=20), nullable=False),
    sa.Column("scheduled_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column("reason", sa.String(length=500), nullable=True),
    sa.Column("created_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column("updated_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["advisor_id"], ["users.id"], name=op.f("fk_campaign_posts_advisor_id_users")),
    sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_posts_campaign_id_campaigns"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["step_id"], ["campaign_steps.id"], name=op.f("fk_campaign_posts_step_id_campaign_steps"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_posts")),
    sa.UniqueConstraint("campaign_id", "advisor_id", "step_id", "account_id", name=op.f("uq_campaign_posts_campaign_id"))
    )
    with op.batch_alter_table("campaign_posts", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_posts_advisor_id_scheduled_at", ["advisor_id", "scheduled_at"], unique=False)
        batch_op.create_index("ix_campaign_posts_campaign_id_state", ["campaign_id", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_posts_post_id"), ["post_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_posts_step_id"), ["step_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("campaign_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_posts_step_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_posts_post_id"))
        batch_op.drop_index("ix_campaign_posts_campaign_id_state")
        batch_op.drop_index("ix_campaign_posts_advisor_id_scheduled_at")

    op.drop_table("campaign_posts")
    with op.batch_alter_table("campaign_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_steps_version_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_steps_item_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_steps_campaign_id"))

    op.drop_table("campaign_steps")
    with op.batch_alter_table("campaign_members", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_members_advisor_id_state")

    op.drop_table("campaign_members")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_state"))
        batch_op.drop_index(batch_op.f("ix_campaigns_review_id"))

    op.drop_table("campaigns")
    op.drop_table("campaign_digests_sent")
    op.drop_table("campaign_digest_preferences")
    with op.batch_alter_table("campaign_digest_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_digest_links_advisor_id"))

    op.drop_table("campaign_digest_links")
