"""publishing: linked_accounts.grantor_external_id (the Facebook user behind a Page, to revoke)

Revision ID: publishing_0003
Revises: publishing_0002
Create Date: 2026-11-24 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "publishing_0003"
down_revision: str | Sequence[str] | None = "publishing_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: Pages linked before this revision have no known user until relinked.
    with op.batch_alter_table("linked_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grantor_external_id", sa.String(length=200),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("linked_accounts", schema=None) as batch_op:
        batch_op.drop_column("grantor_external_id")
