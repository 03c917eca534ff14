"""What an approval of a library version covers besides its text, for other packages to
show or enforce: the validity window, the audience, tags, campaign, networks, image, link.

The approvals review page and the composer read them here (public functions returning plain
data), never from the library's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from advisor_hub.errors import NotFound
from content_library.models import LibraryItemVersion


@dataclass(frozen=True)
class ApprovedAttributes:
    """One version's attributes, as plain data (branch names, not rows)."""

    version_id: int
    item_id: int
    number: int
    title: str
    language: str
    available_from: datetime | None
    expires_at: datetime | None  # exclusive: publishable while now < expires_at
    audience_all: bool
    branch_names: tuple[str, ...]
    tags: tuple[str, ...]
    campaign: str | None
    networks: tuple[str, ...]
    link_url: str | None
    image_url: str | None
    image_sha256: str | None
    placeholders: tuple[str, ...]

    def window_over(self, now: datetime) -> bool:
        """The whole validity window is in the past."""
        return self.expires_at is not None and self.expires_at <= now


def approved_attributes(session: Session, version_id: int) -> ApprovedAttributes:
    """The attributes of a version (NotFound for an unknown one)."""
    version = session.get(LibraryItemVersion, version_id)
    if version is None:
        raise NotFound()
    return ApprovedAttributes(
        version_id=version.id, item_id=version.item_id, number=version.number,
        title=version.title, language=version.language,
        available_from=version.available_from, expires_at=version.expires_at,
        audience_all=version.audience_all,
        branch_names=tuple(b.name for b in version.branches), tags=tuple(version.tags),
        campaign=version.campaign, networks=tuple(version.networks or ()),
        link_url=version.link_url, image_url=version.image_url,
        image_sha256=version.image_sha256, placeholders=tuple(version.placeholders or ()),
    )


def publish_until(session: Session, *, version_id: int) -> datetime | None:
    """Until when (exclusive) posts of this version may be published: the end of its
    validity window (None: no end). NotFound for an unknown version."""
    return approved_attributes(session, version_id).expires_at
