"""How each version of a library item was used: publications, advisors, networks, dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from content_library.curation import get_item
from content_library.models import LibraryItemVersion, LibraryUsage


@dataclass(frozen=True)
class UsageRow:
    version: LibraryItemVersion
    uses: int = 0
    advisors: int = 0
    networks: list[str] = field(default_factory=list)
    first_used_at: datetime | None = None
    last_used_at: datetime | None = None
    post_urls: list[str] = field(default_factory=list)


def usage_by_version(session: Session, *, actor: User, item_id: int) -> list[UsageRow]:
    """Per version: how many uses, by how many advisors, where, first and last use."""
    item = get_item(session, actor=actor, item_id=item_id)
    ids = [v.id for v in item.versions]
    stats = {row.version_id: row for row in session.execute(
        select(LibraryUsage.version_id, func.count(LibraryUsage.id).label("uses"),
               func.count(func.distinct(LibraryUsage.advisor_id)).label("advisors"),
               func.min(LibraryUsage.published_at).label("first"),
               func.max(LibraryUsage.published_at).label("last"))
        .where(LibraryUsage.version_id.in_(ids)).group_by(LibraryUsage.version_id))}
    networks: dict[int, list[str]] = {}
    for version_id, network in session.execute(
            select(LibraryUsage.version_id, LibraryUsage.network).distinct()
            .where(LibraryUsage.version_id.in_(ids)).order_by(LibraryUsage.network)):
        if version_id is not None:  # the query keeps only these versions' rows
            networks.setdefault(version_id, []).append(network)
    urls: dict[int, list[str]] = {}
    for version_id, url in session.execute(
            select(LibraryUsage.version_id, LibraryUsage.post_url)
            .where(LibraryUsage.version_id.in_(ids), LibraryUsage.post_url.is_not(None))
            .order_by(LibraryUsage.published_at.desc()).limit(200)):
        if version_id is not None and url is not None:
            urls.setdefault(version_id, []).append(url)
    rows = []
    for version in reversed(item.versions):
        stat = stats.get(version.id)
        rows.append(UsageRow(
            version=version, uses=stat.uses if stat else 0,
            advisors=stat.advisors if stat else 0, networks=networks.get(version.id, []),
            first_used_at=_aware(stat.first) if stat else None,
            last_used_at=_aware(stat.last) if stat else None,
            post_urls=urls.get(version.id, [])[:10]))
    return rows


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)  # aggregates bypass the column type on SQLite
