"""library: who edited each version and template (separation of duties)

Revision ID: library_0003
Revises: library_0002
Create Date: 2026-11-26 09:00:00

Existing rows get their creator as their first editor (later editors of an existing draft
were not recorded before this revision; the audit trail keeps them).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import advisor_hub.db

revision: str = "library_0003"
down_revision: str | Sequence[str] | None = "library_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "library_version_editors",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("first_edited_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_library_version_editors_user_id_users")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["library_item_versions.id"],
            name=op.f("fk_library_version_editors_version_id_library_item_versions"),
            ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("version_id", "user_id", name=op.f("pk_library_version_editors")),
    )
    with op.batch_alter_table("library_version_editors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_library_version_editors_user_id"), ["user_id"],
                              unique=False)
    op.create_table(
        "life_event_template_editors",
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("first_edited_at", advisor_hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"], ["life_event_templates.id"],
            name=op.f("fk_life_event_template_editors_template_id_life_event_templates"),
            ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_life_event_template_editors_user_id_users")),
        sa.PrimaryKeyConstraint("template_id", "user_id",
                                name=op.f("pk_life_event_template_editors")),
    )
    with op.batch_alter_table("life_event_template_editors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_life_event_template_editors_user_id"),
                              ["user_id"], unique=False)
    op.execute("INSERT INTO library_version_editors (version_id, user_id, first_edited_at) "
               "SELECT id, created_by_id, created_at FROM library_item_versions")
    op.execute("INSERT INTO life_event_template_editors (template_id, user_id, first_edited_at) "
               "SELECT id, created_by_id, created_at FROM life_event_templates")


def downgrade() -> None:
    with op.batch_alter_table("life_event_template_editors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_life_event_template_editors_user_id"))
    op.drop_table("life_event_template_editors")
    with op.batch_alter_table("library_version_editors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_library_version_editors_user_id"))
    op.drop_table("library_version_editors")
