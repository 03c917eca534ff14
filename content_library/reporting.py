"""Queries on the library's use that reports compose (the dashboard): ``Select``s built on
this package's models."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, select

from content_library.models import LibraryItemVersion, LibraryUsage


def library_publications(start: datetime, end: datetime) -> Select[int, int | None, int]:
    """Publications of library versions in [start, end), one row each:
    (item_id, version_id, advisor_id)."""
    return (select(LibraryItemVersion.item_id, LibraryUsage.version_id, LibraryUsage.advisor_id)
            .select_from(LibraryUsage)
            .join(LibraryItemVersion, LibraryItemVersion.id == LibraryUsage.version_id)
            .where(LibraryUsage.published_at >= start, LibraryUsage.published_at < end,
                   LibraryUsage.version_id.is_not(None)))


def version_titles(version_ids: Iterable[int]) -> Select[int, str]:
    """The titles of these versions: (id, title)."""
    return (select(LibraryItemVersion.id, LibraryItemVersion.title)
            .where(LibraryItemVersion.id.in_(list(version_ids))))


def version_items(version_ids: Iterable[int]) -> Select[int, int]:
    """The item of each of these versions: (version_id, item_id)."""
    return (select(LibraryItemVersion.id, LibraryItemVersion.item_id)
            .where(LibraryItemVersion.id.in_(list(version_ids))))
