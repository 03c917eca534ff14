"""Curation of library items by marketing: versions (drafts edited in place, approved ones
frozen), review by compliance, retirement, the curators' list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from advisor_hub import signals
from advisor_hub.accounts.models import Branch, User
from advisor_hub.audit.services import record
from advisor_hub.db import utcnow
from advisor_hub.errors import Conflict, NotFound, ValidationError
from advisor_hub.pagination import Page, paginate
from advisor_hub.roles import Role, require_role
from content_library import review, search
from content_library.decisions import apply_decision
from content_library.editors import note_version_editor, version_editors
from content_library.fields import ImageUpload, ItemFields, check_fits, clean_fields
from content_library.images import store_image
from content_library.labels import status_label
from content_library.models import (
    EDITABLE,
    USABLE,
    LibraryItem,
    LibraryItemVersion,
    LibraryVersionTag,
    Status,
)

CURATORS = (Role.MARKETING,)


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
    note_version_editor(session, version, actor)
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
    note_version_editor(session, version, actor)
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
    note_version_editor(session, version, actor)
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
    if version.expires_at is not None and version.expires_at <= utcnow():
        raise ValidationError(_l("Its whole validity window is in the past (it ended on "
                                 "%(end)s): change the dates before sending it for review.",
                                 end=format_end(version.expires_at)), field="expires_at")
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


def format_end(when: Any) -> str:
    """A validity end as marketing reads it (their language and zone; UTC for a script)."""
    from flask import has_request_context
    from flask_babel import format_datetime

    if has_request_context():
        return str(format_datetime(when, "d MMM y, HH:mm"))
    return when.strftime("%Y-%m-%d %H:%M UTC")


def on_item_decision(session: Session, version_id: int, outcome: str, decision: Any) -> None:
    """Approvals' decision on a version (registered for kind "library_item"); ``outcome``
    is a final ReviewStatus."""
    version = get_version(session, version_id)

    def stamp(other: LibraryItemVersion, now: datetime) -> dict[str, Any]:
        other.superseded_at = now
        return {"by_version_id": version.id}

    apply_decision(session, version, outcome=outcome, decision=decision,
                   editors=version_editors(session, version.id), lineage=version.item.versions,
                   action="library.version", not_in_review=_l("This version is not in review."),
                   on_superseded=stamp)


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
    # Campaigns cancel the item's future posts (their handler runs in this transaction).
    signals.library_item_retired.send(session, item_id=item.id,
                                      version_ids=[v.id for v in item.versions], actor=actor)
    return item


def list_items(session: Session, *, actor: User, q: str = "", status: str = "",
               page: int = 1, per_page: int = 25) -> Page[LibraryItemVersion]:
    """Marketing's list: the latest version of every item, newest first."""
    require_role(actor, *CURATORS, Role.ADMIN)
    latest = (select(func.max(LibraryItemVersion.id))
              .group_by(LibraryItemVersion.item_id).scalar_subquery())
    # The list shows each row's item (retired?) and, for a later version, the approved one in
    # use: loaded with the page (two queries), not one item and its versions per row.
    query = (select(LibraryItemVersion).join(LibraryItem)
             .where(LibraryItemVersion.id.in_(latest))
             .options(contains_eager(LibraryItemVersion.item)
                      .selectinload(LibraryItem.versions))
             .order_by(LibraryItemVersion.updated_at.desc(), LibraryItemVersion.id.desc()))
    if status == Status.RETIRED:
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
