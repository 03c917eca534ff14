"""approvals: lexicon notes and reason-code labels in English and French

Revision ID: approvals_0003
Revises: approvals_0002
Create Date: 2026-12-04 05:00:00

The existing text is the English one (``note``, ``label``); the French column starts from it
(an installation's own entries keep showing their text until compliance writes the French),
and the starter lexicon and reason codes get their French texts. The starter's French terms
had French notes: they get the English note and keep the French one.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "approvals_0003"
down_revision: str | Sequence[str] | None = "approvals_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lexicon_terms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note_fr", sa.String(length=500), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("reason_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label_fr", sa.String(length=200), nullable=False,
                                      server_default=""))
    _backfill()


def _backfill() -> None:
    from approvals.policy import STARTER_LEXICON
    from approvals.settings import STARTER_REASONS, STARTER_REASONS_FR

    terms = sa.table("lexicon_terms", sa.column("note", sa.String),
                     sa.column("note_fr", sa.String))
    pairs = {(t.note, t.note_fr) for t in STARTER_LEXICON if t.note_fr}
    for english, french in pairs:
        op.execute(terms.update().where(terms.c.note.in_([english, french]))
                   .values(note=english, note_fr=french))
    op.execute(terms.update().where(terms.c.note_fr == "").values(note_fr=terms.c.note))
    reasons = sa.table("reason_codes", sa.column("code", sa.String),
                       sa.column("label", sa.String), sa.column("label_fr", sa.String))
    for code, english in STARTER_REASONS:
        op.execute(reasons.update().where(reasons.c.code == code,
                                          reasons.c.label == english)
                   .values(label_fr=STARTER_REASONS_FR[code]))
    op.execute(reasons.update().where(reasons.c.label_fr == "")
               .values(label_fr=reasons.c.label))


def downgrade() -> None:
    with op.batch_alter_table("reason_codes", schema=None) as batch_op:
        batch_op.drop_column("label_fr")
    with op.batch_alter_table("lexicon_terms", schema=None) as batch_op:
        batch_op.drop_column("note_fr")
