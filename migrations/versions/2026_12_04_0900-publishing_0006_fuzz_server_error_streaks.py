"""publishing: server_error_streaks (the 5xx storm detector, shared by every scheduler
process instead of counted in each one's memory)

Revision ID: publishing_0006
Revises: publishing_0005
Create Date: 2026-12-04 09:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "publishing_0006"
down_revision: str | Sequence[str] | None = "publishing_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "server_error_streaks",
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("first_account_id", sa.Integer(), nullable=True),
        sa.Column("mixed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("network", name=op.f("pk_server_error_streaks")),
    )


def downgrade() -> None:
    op.drop_table("server_error_streaks")
