"""The schema belongs to the migrations: they build it from empty, and match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from advisor_hub import migrate
from advisor_hub.db import Base, make_engine

pytestmark = pytest.mark.both_backends


def test_upgrade_from_empty_reaches_every_head(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    with engine.begin() as connection:
        migrate.upgrade(connection=connection)  # idempotent on an upgraded database
        heads = set(ScriptDirectory.from_config(migrate.alembic_config()).get_heads())
        assert set(MigrationContext.configure(connection).get_current_heads()) == heads
    engine.dispose()


def test_models_match_migrations(engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_name": _include_name,
        })
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def _include_name(name, type_, parent_names):
    # Same rule as migrations/env.py: full-text search shadow tables are not models.
    return not (type_ == "table" and name is not None and "_fts" in name)
