"""foundation: branches.code (the directory's identifier of a branch, matched first at SSO)

Revision ID: foundation_0004
Revises: foundation_0003
Create Date: 2026-12-04 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "foundation_0004"
down_revision: str | Sequence[str] | None = "foundation_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=60), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_branches_code"), ["code"])


def downgrade() -> None:
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_branches_code"), type_="unique")
        batch_op.drop_column("code")
