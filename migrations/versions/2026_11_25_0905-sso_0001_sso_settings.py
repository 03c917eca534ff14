"""sso: the group-to-role map as edited by an administrator (overrides OIDC_ROLE_MAP)

Revision ID: sso_0001
Revises: foundation_0001
Create Date: 2026-11-25 09:05:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import advisor_hub.db

revision: str = "sso_0001"
down_revision: str | Sequence[str] | None = "foundation_0001"
branch_labels: str | Sequence[str] | None = ("sso",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sso_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role_map", sa.Text(), nullable=False),
        sa.Column("updated_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"],
                                name=op.f("fk_sso_settings_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_settings")),
    )


def downgrade() -> None:
    op.drop_table("sso_settings")
