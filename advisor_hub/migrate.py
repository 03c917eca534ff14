"""Alembic, driven from Python: the CLI, `make run` and the tests all upgrade the same way."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from advisor_hub import ROOT


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str | None = None, connection: Connection | None = None) -> None:
    """Apply every migration of every package (each package is an Alembic branch)."""
    command.upgrade(alembic_config(url, connection), "heads")
