"""What advisors use: the library page (search, filters, audience, window), a version or a
template for use, personalisation, the publish-time re-check and usage records.

Re-exported by ``content_library.services``, the package's public API (what
``advisor_hub.publishing.upstream.LibraryAPI`` lists).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, String, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.db import utcnow
from advisor_hub.errors import NotFound, ValidationError
from advisor_hub.i18n import LANGUAGES
from advisor_hub.pagination import Page
from advisor_hub.roles import Role, require_role
from content_library import review, search
from content_library.limits import NETWORKS
from content_library.models import (
    USABLE,
    LibraryItem,
    LibraryItemVersion,
    LibraryUsage,
    LibraryVersionTag,
    Status,
    version_branches,
)
from content_library.rendering import render_placeholders

COUNT_CAP = 1000


def available_now(advisor: User, now: datetime) -> list[Any]:
    """Conditions for the versions an advisor may use now."""
    targeted: ColumnElement[bool] = LibraryItemVersion.audience_all.is_(True)
    if advisor.branch_id is not None:
        targeted = or_(targeted, exists().where(
            version_branches.c.version_id == LibraryItemVersion.id,
            version_branches.c.branch_id == advisor.branch_id))
    return [
        LibraryItem.retired_at.is_(None),
        or_(LibraryItemVersion.available_from.is_(None),
            LibraryItemVersion.available_from <= now),
        or_(LibraryItemVersion.expires_at.is_(None), LibraryItemVersion.expires_at > now),
        targeted,
    ]


def library_query(session: Session, *, advisor: User, q: str = "", network: str = "",
                  tag: str = "", campaign: str = "", language: str = "",
                  now: datetime | None = None) -> Any:
    """The ids behind the advisor's library page: newest approvals first when browsing,
    newest versions first when searching (the benchmark runs it bare)."""
    now = now or utcnow()
    query = (select(LibraryItemVersion.id).join(LibraryItem)
             .where(LibraryItemVersion.status == Status.APPROVED, *available_now(advisor, now))
             .order_by(LibraryItemVersion.approved_at.desc(), LibraryItemVersion.id.desc()))
    query = search.restrict(session, query, q)
    if network in NETWORKS:
        query = query.where(cast(LibraryItemVersion.networks, String).like(f'%"{network}"%'))
    if tag.strip():
        query = query.where(exists().where(
            LibraryVersionTag.version_id == LibraryItemVersion.id,
            LibraryVersionTag.tag == " ".join(tag.lower().split())))
    if campaign.strip():
        query = query.where(LibraryItemVersion.campaign == campaign.strip())
    if language in LANGUAGES:  # "" (or anything else): every language
        query = query.where(LibraryItemVersion.language == language)
    return query


def search_library(session: Session, *, advisor: User, q: str = "", network: str = "",
                   tag: str = "", campaign: str = "", language: str = "", page: int = 1,
                   per_page: int = 12, now: datetime | None = None) -> LibraryPage:
    """What the advisor may use now (approved, in its window, targeted to their branch),
    newest first, searched (accent- and case-insensitive) and filtered (``language``: one
    content language, "" for all)."""
    require_role(advisor, Role.ADVISOR)
    per_page = max(1, min(per_page, 100))
    query = library_query(session, advisor=advisor, q=q, network=network, tag=tag,
                          campaign=campaign, language=language, now=now or utcnow())
    # Counting stops at COUNT_CAP: nobody pages through thousands of posts, and an exact
    # count of tens of thousands of rows would cost more than the page itself.
    total = session.scalar(select(func.count()).select_from(
        query.order_by(None).limit(COUNT_CAP + 1).subquery())) or 0
    capped = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    page = max(1, min(page, math.ceil(total / per_page) or 1))
    ids = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    found = {v.id: v for v in session.scalars(
        select(LibraryItemVersion).where(LibraryItemVersion.id.in_(ids)))} if ids else {}
    return LibraryPage(items=[found[i] for i in ids if i in found], page=page,
                       per_page=per_page, total=total, capped=capped)


@dataclass(frozen=True)
class LibraryPage(Page[LibraryItemVersion]):
    capped: bool = False  # more than ``total`` posts match


def get_version_for_use(session: Session, *, version_id: int, advisor: User,
                        now: datetime | None = None) -> LibraryItemVersion:
    """A version the advisor may use now; NotFound otherwise (retired, expired, not approved,
    or not meant for their branch): a direct URL gives nothing away."""
    require_role(advisor, Role.ADVISOR)
    now = now or utcnow()
    version = session.scalar(
        select(LibraryItemVersion).join(LibraryItem)
        .where(LibraryItemVersion.id == version_id,
               LibraryItemVersion.status.in_([str(s) for s in USABLE]),
               *available_now(advisor, now)))
    if version is None:
        raise NotFound(_l("This library post is not available (retired, expired or not "
                          "meant for your branch)."))
    return version


def advisor_values(advisor: User) -> dict[str, str]:
    branch = advisor.branch
    return {
        "advisor_first_name": advisor.first_name,
        "advisor_last_name": advisor.last_name,
        "branch_name": branch.name if branch else "",
        "branch_city": branch.city if branch else "",
    }


def personalise(version: LibraryItemVersion, advisor: User) -> str:
    """The version's text as this advisor would publish it (RenderError if a value is
    missing, e.g. an advisor without a branch and a {branch_city} placeholder)."""
    return render_placeholders(version.text, advisor_values(advisor), version.placeholders)


def is_version_publishable(session: Session, *, version_id: int, now: datetime
                           ) -> tuple[bool, str | None]:
    """Publish-time re-check (invariant 3). Superseded versions stay publishable for the posts
    already scheduled with them; retired, expired or unapproved ones do not."""
    version = session.get(LibraryItemVersion, version_id)
    if version is None:
        return False, str(_l("The library post no longer exists."))
    if version.item.retired_at is not None or version.status == Status.RETIRED:
        return False, str(_l("The library post was retired."))
    if version.status not in USABLE:
        return False, str(_l("The library post is not approved."))
    if version.available_from and now < version.available_from:
        return False, str(_l("The library post is not available yet."))
    if version.expires_at and now >= version.expires_at:
        return False, str(_l("The library post has expired."))
    if version.review_id is not None and not review.approval_stands(session,
                                                                    version.review_id):
        return False, str(_l("The approval of the library post no longer stands."))
    return True, None


def record_use(session: Session, *, version_id: int | None, template_id: int | None,
               advisor_id: int, network: str, published_at: datetime,
               post_url: str | None) -> None:
    """One publication made from the library (called by the publisher); feeds usage stats."""
    if (version_id is None) == (template_id is None):
        raise ValidationError(_l("A use is of one library version or one template."))
    usage = LibraryUsage(version_id=version_id, template_id=template_id, advisor_id=advisor_id,
                         network=network, published_at=published_at, post_url=post_url)
    session.add(usage)
    session.flush()
    record(session, None, "library.used", usage,
           after={"version_id": version_id, "template_id": template_id,
                  "advisor_id": advisor_id, "network": network, "post_url": post_url})
