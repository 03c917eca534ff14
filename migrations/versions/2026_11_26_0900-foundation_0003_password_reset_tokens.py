"""foundation: password_reset_tokens (e-mailed reset links, hashed), users.password_reset_required

Revision ID: foundation_0003
Revises: foundation_0002
Create Date: 2026-11-26 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import advisor_hub.db

revision: str = "foundation_0003"
down_revision: str | Sequence[str] | None = "foundation_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "password_reset_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_password_reset_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_tokens_token_hash")),
    )
    with op.batch_alter_table("password_reset_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_tokens_user_id"), ["user_id"],
                              unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_reset_required", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_reset_required")
    with op.batch_alter_table("password_reset_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_tokens_user_id"))
    op.drop_table("password_reset_tokens")
