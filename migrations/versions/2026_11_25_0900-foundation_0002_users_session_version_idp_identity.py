"""foundation: users.session_version (ends sessions), users.idp_issuer/idp_subject (SSO identity)

Revision ID: foundation_0002
Revises: foundation_0001
Create Date: 2026-11-25 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "foundation_0002"
down_revision: str | Sequence[str] | None = "foundation_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing users start at version 0; their current sessions (which carry no version) end.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("idp_issuer", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("idp_subject", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_idp_issuer"),
                                          ["idp_issuer", "idp_subject"])


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_idp_issuer"), type_="unique")
        batch_op.drop_column("idp_subject")
        batch_op.drop_column("idp_issuer")
        batch_op.drop_column("session_version")
