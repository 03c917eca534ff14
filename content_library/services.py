"""Library items: curation by marketing (versions, review, retirement), use by advisors.

The functions other packages call (``publishing.upstream.LibraryAPI``): ``get_version_for_use``,
``get_template_for_use``, ``render_placeholders``, ``advisor_values``,
``is_version_publishable``, ``record_use``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import Branch, User
from advisor_hub.audit.services import record
from advisor_hub.db import utcnow
from advisor_hub.errors import Conflict, NotFound, PermissionDenied, ValidationError
from advisor_hub.pagination import Page, paginate
from advisor_hub.roles import Role, require_role
from content_library import review, search
from content_library.images import store_image
from content_library.life_events import (  # noqa: F401  (part of this module's public API)
    get_template_for_use,
    is_template_publishable,
)
from content_library.limits import LIMITS, NETWORK_LABELS, NETWORKS, over_limit
from content_library.models import (
    EDITABLE,
    STATUS_AFTER_REVIEW,
    USABLE,
    LibraryItem,
    LibraryItemVersion,
    LibraryUsage,
    LibraryVersionTag,
    Status,
)
from content_library.rendering import (  # noqa: F401  (part of this module's public API)
    ITEM_PLACEHOLDERS,
    check_placeholders,
    render_placeholders,
)
from content_library.text import sanitize
from content_library.use import (  # noqa: F401  (part of this module's public API)
    COUNT_CAP,
    LibraryPage,
    advisor_values,
    available_now,
    get_version_for_use,
    is_version_publishable,
    library_query,
    personalise,
    record_use,
    search_library,
)

CURATORS = (Role.MARKETING,)
LANGUAGES = ("en", "fr")
MAX_TAGS = 20


# --- fields and their validation ------------------------------------------------------------


@dataclass(frozen=True)
class ItemFields:
    """What a curator types for one version (the form, the import and the CLI fill it)."""

    title: str
    text: str
    networks: Sequence[str]
    link_url: str | None = None
    tags: Sequence[str] = ()
    campaign: str | None = None
    language: str = "en"
    audience_all: bool = True
    branch_ids: Sequence[int] = ()
    available_from: datetime | None = None
    expires_at: datetime | None = None
    placeholders: Sequence[str] = ()


@dataclass(frozen=True)
class ImageUpload:
    data: bytes
    folder: str
    max_bytes: int = 5 * 1024 * 1024
    max_side: int = 8000

    @classmethod
    def from_config(cls, data: bytes, config: Any) -> ImageUpload:
        return cls(data=data, folder=config["UPLOAD_FOLDER"],
                   max_bytes=config["LIBRARY_MAX_IMAGE_BYTES"],
                   max_side=config["LIBRARY_MAX_IMAGE_SIDE"])


def split_list(value: str | Sequence[str] | None) -> list[str]:
    """Tags, networks, branches... from a list or a "a, b | c" string."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace("|", ",").split(",")
    return [v.strip() for v in value if v and v.strip()]


def clean_link(value: str | None) -> str | None:
    link = sanitize(value).strip() if value else ""
    if not link:
        return None
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in link:
        raise ValidationError(_l("The link must be a full http:// or https:// address."),
                              field="link_url")
    if len(link) > 2000:
        raise ValidationError(_l("The link is too long."), field="link_url")
    return link


def clean_tags(tags: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in split_list(list(tags)):
        value = " ".join(sanitize(tag).lower().split())[:60]
        if value and value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError(_l("At most %(n)d tags.", n=MAX_TAGS), field="tags")
    return cleaned


def check_fits(networks: list[str], text: str, link_url: str | None, *,
               with_media: bool) -> None:
    for network, count, limit in over_limit(networks, text, link_url, with_media=with_media):
        raise ValidationError(_l("Too long for %(network)s: %(count)d characters, the limit is "
                                 "%(limit)d.", network=NETWORK_LABELS[network], count=count,
                                 limit=limit), field="text")


def clean_fields(session: Session, fields: ItemFields) -> ItemFields:
    """Sanitise every field and apply every rule; ValidationError naming the field otherwise."""
    title = " ".join(sanitize(fields.title).split())
    if not title:
        raise ValidationError(_l("A title is required."), field="title")
    if len(title) > 200:
        raise ValidationError(_l("The title is longer than 200 characters."), field="title")
    text = sanitize(fields.text).strip()
    if not text:
        raise ValidationError(_l("The post text is empty."), field="text")
    networks = [n for n in NETWORKS if n in set(fields.networks)]
    unknown = set(fields.networks) - set(NETWORKS)
    if unknown or not networks:
        raise ValidationError(_l("Choose at least one network among LinkedIn, Facebook, X "
                                 "and Sandbox."), field="networks")
    placeholders = [p for p in ITEM_PLACEHOLDERS if p in set(fields.placeholders)]
    if set(fields.placeholders) - set(ITEM_PLACEHOLDERS):
        raise ValidationError(_l("Advisors may only personalise: %(names)s.", names=", ".join(
            "{" + p + "}" for p in ITEM_PLACEHOLDERS)), field="placeholders")
    try:
        check_placeholders(text, placeholders)
    except ValidationError as error:
        raise ValidationError(error.message, field="text") from error
    link = clean_link(fields.link_url)
    check_fits(networks, text, link, with_media=False)
    campaign = " ".join(sanitize(fields.campaign or "").split()) or None
    if campaign and len(campaign) > 120:
        raise ValidationError(_l("The campaign name is too long."), field="campaign")
    if fields.language not in LANGUAGES:
        raise ValidationError(_l("Choose English or French."), field="language")
    branch_ids = sorted(set(fields.branch_ids))
    if not fields.audience_all:
        if not branch_ids:
            raise ValidationError(_l("Choose at least one branch, or all advisors."),
                                  field="branch_ids")
        found = set(session.scalars(select(Branch.id).where(Branch.id.in_(branch_ids))))
        if found != set(branch_ids):
            raise ValidationError(_l("Unknown branch."), field="branch_ids")
    else:
        branch_ids = []
    if fields.available_from and fields.expires_at and \
            fields.expires_at <= fields.available_from:
        raise ValidationError(_l("The expiry must come after the start of availability."),
                              field="expires_at")
    return replace(fields, title=title, text=text, networks=networks, link_url=link,
                   tags=clean_tags(fields.tags), campaign=campaign, branch_ids=branch_ids,
                   placeholders=placeholders)


def _apply(session: Session, version: LibraryItemVersion, fields: ItemFields) -> None:
    version.title = fields.title
    version.text = fields.text
    version.link_url = fields.link_url
    version.networks = list(fields.networks)
    version.campaign = fields.campaign
    version.language = fields.language
    version.audience_all = fields.audience_all
    version.branches = list(session.scalars(
        select(Branch).where(Branch.id.in_(fields.branch_ids)))) if fields.branch_ids else []
    version.available_from = fields.available_from
    version.expires_at = fields.expires_at
    version.placeholders = list(fields.placeholders)
    version.tag_rows = [LibraryVersionTag(tag=t) for t in fields.tags]
    version.updated_at = utcnow()


def _apply_image(version: LibraryItemVersion, image: ImageUpload | None,
                 remove_image: bool) -> None:
    if image is not None:
        stored = store_image(image.data, folder=image.folder, max_bytes=image.max_bytes,
                             max_pixels_side=image.max_side)
        version.image_name, version.image_sha256 = stored.name, stored.sha256
        version.image_width, version.image_height = stored.width, stored.height
    elif remove_image:
        version.image_name = version.image_sha256 = None
        version.image_width = version.image_height = None


def version_state(version: LibraryItemVersion) -> dict[str, Any]:
    return {
        "item_id": version.item_id, "number": version.number, "status": version.status,
        "title": version.title, "text": version.text, "link_url": version.link_url,
        "image_sha256": version.image_sha256, "networks": version.networks,
        "tags": version.tags, "campaign": version.campaign, "language": version.language,
        "audience_all": version.audience_all, "branch_ids": [b.id for b in version.branches],
        "available_from": version.available_from, "expires_at": version.expires_at,
        "placeholders": version.placeholders, "review_id": version.review_id,
    }


# --- curation (marketing) -------------------------------------------------------------------


def create_item(session: Session, *, actor: User, fields: ItemFields,
                image: ImageUpload | None = None) -> LibraryItemVersion:
    """A new library item whose first version is a draft."""
    require_role(actor, *CURATORS)
    fields = clean_fields(session, fields)
    item = LibraryItem(created_by_id=actor.id)
    version = LibraryItemVersion(item=item, number=1, status=Status.DRAFT,
                                 created_by_id=actor.id)
    _apply(session, version, fields)
    _apply_image(version, image, False)
    session.add(item)
    session.flush()
    search.index_version(session, version)
    record(session, actor, "library.item_created", version, after=version_state(version))
    return version


def get_item(session: Session, *, actor: User, item_id: int) -> LibraryItem:
    require_role(actor, *CURATORS, Role.ADMIN)
    item = session.get(LibraryItem, item_id)
    if item is None:
        raise NotFound()
    return item


def get_version(session: Session, version_id: int) -> LibraryItemVersion:
    version = session.get(LibraryItemVersion, version_id)
    if version is None:
        raise NotFound()
    return version


def update_version(session: Session, *, actor: User, version_id: int, fields: ItemFields,
                   image: ImageUpload | None = None, remove_image: bool = False
                   ) -> LibraryItemVersion:
    """Change a draft in place. Approved (or reviewed) versions are immutable."""
    require_role(actor, *CURATORS)
    version = get_version(session, version_id)
    if version.item.retired_at is not None:
        raise Conflict(_l("This item is retired; it can no longer be changed."))
    if version.status not in EDITABLE:
        raise Conflict(_l("Version %(n)d is %(status)s and cannot be changed in place. Editing "
                          "the item creates a new version that goes through review again.",
                          n=version.number, status=status_label(version.status)))
    fields = clean_fields(session, fields)
    before = version_state(version)
    _apply(session, version, fields)
    _apply_image(version, image, remove_image)
    session.flush()
    search.index_version(session, version)
    record(session, actor, "library.version_updated", version, before=before,
           after=version_state(version))
    return version


def edit_item(session: Session, *, actor: User, item_id: int, fields: ItemFields,
              image: ImageUpload | None = None, remove_image: bool = False
              ) -> LibraryItemVersion:
    """What "Edit" does: change the working draft, or start the next version as a draft
    (the approved version stays in use until the new one is approved)."""
    require_role(actor, *CURATORS)
    item = get_item(session, actor=actor, item_id=item_id)
    latest = item.latest
    if latest.status in EDITABLE:
        return update_version(session, actor=actor, version_id=latest.id, fields=fields,
                              image=image, remove_image=remove_image)
    if item.retired_at is not None:
        raise Conflict(_l("This item is retired; it can no longer be changed."))
    if latest.status == Status.IN_REVIEW:
        raise Conflict(_l("Version %(n)d is in review; wait for the decision before editing.",
                          n=latest.number))
    fields = clean_fields(session, fields)
    version = LibraryItemVersion(item=item, number=latest.number + 1, status=Status.DRAFT,
                                 created_by_id=actor.id)
    session.add(version)
    _apply(session, version, fields)
    version.image_name, version.image_sha256 = latest.image_name, latest.image_sha256
    version.image_width, version.image_height = latest.image_width, latest.image_height
    _apply_image(version, image, remove_image)
    session.flush()
    search.index_version(session, version)
    record(session, actor, "library.version_created", version, after=version_state(version))
    return version


def submit_version(session: Session, *, actor: User, version_id: int) -> LibraryItemVersion:
    """Send a draft to compliance (a review request in the approvals package)."""
    require_role(actor, *CURATORS)
    version = get_version(session, version_id)
    if version.item.retired_at is not None:
        raise Conflict(_l("This item is retired; it can no longer be changed."))
    if version.status not in EDITABLE:
        raise Conflict(_l("Only a draft can be sent for review (this version is %(status)s).",
                          status=status_label(version.status)))
    # With its image a post carries its link in the text on some networks (counted there).
    check_fits(list(version.networks), version.text, version.link_url,
               with_media=bool(version.image_sha256))
    before = {"status": version.status, "review_id": version.review_id}
    version.review_id = review.submit(
        session, kind=review.ITEM_KIND, subject_id=version.id, author=actor,
        text=version.text, link_url=version.link_url, media_sha256=version.image_sha256,
        media_url=version.image_url, title=version.title, networks=list(version.networks),
        category=version.campaign,
    )
    version.status = Status.IN_REVIEW
    version.submitted_at = utcnow()
    session.flush()
    record(session, actor, "library.version_submitted", version, before=before,
           after={"status": version.status, "review_id": version.review_id})
    return version


def _decider(session: Session, decision: Any) -> User | None:
    decided_by = getattr(decision, "decided_by_id", None)
    return session.get(User, decided_by) if decided_by else None


def on_item_decision(session: Session, version_id: int, outcome: str, decision: Any) -> None:
    """Approvals' decision on a version (registered for kind "library_item")."""
    version = get_version(session, version_id)
    if version.status != Status.IN_REVIEW:
        raise Conflict(_l("This version is not in review."))
    decider = _decider(session, decision)
    if outcome == "approved" and decider is not None and decider.id == version.created_by_id:
        raise PermissionDenied(_l("Nobody approves their own work."))
    before = {"status": version.status}
    now = utcnow()
    if outcome == "approved":
        for other in version.item.versions:
            if other.status == Status.APPROVED and other.id != version.id:
                other.status = Status.SUPERSEDED
                other.superseded_at = now
                record(session, decider, "library.version_superseded", other,
                       before={"status": Status.APPROVED},
                       after={"status": other.status, "by_version_id": version.id})
        version.status = Status.APPROVED
        version.approved_at = now
        version.review_id = getattr(decision, "id", version.review_id)
    elif outcome in STATUS_AFTER_REVIEW:
        version.status = STATUS_AFTER_REVIEW[outcome]
    else:
        raise ValidationError(_l("Unknown review outcome."))
    session.flush()
    record(session, decider, f"library.version_{outcome}", version, before=before,
           after={"status": version.status, "review_id": version.review_id})


def retire_item(session: Session, *, actor: User, item_id: int) -> LibraryItem:
    """Withdraw an item from the library: advisors no longer see it, scheduled posts that use
    it are cancelled at publish time (``is_version_publishable``)."""
    require_role(actor, *CURATORS)
    item = get_item(session, actor=actor, item_id=item_id)
    if item.retired_at is not None:
        raise Conflict(_l("This item is already retired."))
    if any(v.status == Status.IN_REVIEW for v in item.versions):
        raise Conflict(_l("A version is in review; wait for the decision before retiring."))
    item.retired_at = utcnow()
    item.retired_by_id = actor.id
    for version in item.versions:
        if version.status in USABLE:
            version.status = Status.RETIRED
    session.flush()
    record(session, actor, "library.item_retired", item,
           after={"retired_at": item.retired_at})
    return item


def list_items(session: Session, *, actor: User, q: str = "", status: str = "",
               page: int = 1, per_page: int = 25) -> Page[LibraryItemVersion]:
    """Marketing's list: the latest version of every item, newest first."""
    require_role(actor, *CURATORS, Role.ADMIN)
    latest = (select(func.max(LibraryItemVersion.id))
              .group_by(LibraryItemVersion.item_id).scalar_subquery())
    query = (select(LibraryItemVersion).join(LibraryItem)
             .where(LibraryItemVersion.id.in_(latest))
             .order_by(LibraryItemVersion.updated_at.desc(), LibraryItemVersion.id.desc()))
    if status == "retired":
        query = query.where(LibraryItem.retired_at.is_not(None))
    elif status:
        query = query.where(LibraryItemVersion.status == status,
                            LibraryItem.retired_at.is_(None))
    condition = search.matching(session, q)
    if condition is not None:
        # Search any version's document, list the item's latest.
        ids = select(LibraryItemVersion.item_id).where(condition)
        query = query.where(LibraryItemVersion.item_id.in_(ids))
    return paginate(session, query, page=page, per_page=per_page)


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
        networks.setdefault(version_id, []).append(network)
    urls: dict[int, list[str]] = {}
    for version_id, url in session.execute(
            select(LibraryUsage.version_id, LibraryUsage.post_url)
            .where(LibraryUsage.version_id.in_(ids), LibraryUsage.post_url.is_not(None))
            .order_by(LibraryUsage.published_at.desc()).limit(200)):
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
    from datetime import UTC

    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)  # aggregates bypass the column type on SQLite


# --- labels ----------------------------------------------------------------------------------

STATUS_LABELS = {
    Status.DRAFT: _l("draft"),
    Status.IN_REVIEW: _l("in review"),
    Status.CHANGES_REQUESTED: _l("changes requested"),
    Status.REJECTED: _l("rejected"),
    Status.APPROVED: _l("approved"),
    Status.SUPERSEDED: _l("superseded"),
    Status.RETIRED: _l("retired"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(Status(status), status))


__all__ = [
    "LIMITS", "ImageUpload", "ItemFields", "advisor_values", "create_item",
    "edit_item", "get_template_for_use", "get_version", "get_version_for_use",
    "is_template_publishable",
    "is_version_publishable", "record_use", "render_placeholders", "retire_item",
    "search_library", "submit_version", "update_version", "usage_by_version",
]
