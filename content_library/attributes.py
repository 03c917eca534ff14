"""What an approval of a library version covers besides its text, for other packages to
show or enforce: the validity window, the audience, tags, campaign, networks, image, link.

The approvals review page and the composer read them here (public functions returning plain
data), never from the library's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from advisor_hub.db import utcnow
from advisor_hub.errors import NotFound
from approvals.subjects import Fact, SubjectDetails
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


def review_details(session: Session, version_id: int) -> SubjectDetails:
    """What the review page shows of a library version besides its text: every attribute
    its approval covers (registered with approvals as the kind's ``describe``)."""
    from flask_babel import lazy_gettext as _l

    from advisor_hub.i18n import LANGUAGE_LABELS
    from content_library.limits import NETWORK_LABELS

    a = approved_attributes(session, version_id)
    over = _l("The whole validity window is in the past: advisors could never use this "
              "item.") if a.window_over(utcnow()) else None
    facts = [
        Fact(_l("Validity"), window=True, start=a.available_from, end=a.expires_at,
             warning=over, key="window"),
        Fact(_l("Audience"), text=_l("All advisors") if a.audience_all else None,
             items=() if a.audience_all else a.branch_names, key="audience"),
        Fact(_l("Language"), text=LANGUAGE_LABELS.get(a.language, a.language),
             key="language"),
        Fact(_l("Networks"), items=tuple(NETWORK_LABELS.get(n, n) for n in a.networks),
             key="networks"),
        Fact(_l("Tags"), items=a.tags, text=None if a.tags else "—", key="tags"),
        Fact(_l("Campaign"), text=a.campaign or "—", key="campaign"),
        Fact(_l("Link"), text=a.link_url or "—", href=a.link_url, key="link"),
        Fact(_l("Image"), text=None if a.image_url else "—", image_url=a.image_url,
             key="image"),
        Fact(_l("Personalised with"),
             items=tuple("{" + p + "}" for p in a.placeholders),
             text=None if a.placeholders else "—", key="placeholders"),
        Fact(_l("Version"), text=_l("Version %(n)d of item #%(item)d", n=a.number,
                                    item=a.item_id), key="version"),
    ]
    return SubjectDetails(facts=tuple(facts), heading=_l("What the approval covers"))
