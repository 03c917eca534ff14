"""approvals: index review_requests.decided_at (the adoption dashboard filters on it by period)

Revision ID: approvals_0002
Revises: approvals_0001
Create Date: 2026-11-23 04:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "approvals_0002"
down_revision: str | Sequence[str] | None = "approvals_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("review_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_requests_decided_at"), ["decided_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_requests_decided_at"))
