"""The content library's public services: what other packages and the library's screens
call. The code lives in modules by job; this facade re-exports it.

- ``fields``: ``ItemFields``, ``ImageUpload`` and their validation (``clean_fields``);
- ``curation``: marketing's versions, review and retirement (``create_item``,
  ``edit_item``, ``submit_version``, ``retire_item``, ``list_items``...);
- ``usage_stats``: ``usage_by_version``; ``labels``: ``status_label``;
- ``use``: what advisors use (``get_version_for_use``, ``advisor_values``,
  ``is_version_publishable``, ``record_use``, ``search_library``...);
- ``life_events``: ``get_template_for_use``, ``is_template_publishable``;
- ``rendering``: ``render_placeholders``;
- ``attributes``: ``approved_attributes``, ``publish_until`` (what an approval covers).
"""

from __future__ import annotations

from content_library.attributes import (
    ApprovedAttributes,
    approved_attributes,
    publish_until,
)
from content_library.curation import (
    CURATORS,
    create_item,
    edit_item,
    get_item,
    get_version,
    list_items,
    on_item_decision,
    retire_item,
    submit_version,
    update_version,
    version_state,
)
from content_library.editors import template_editors, version_editors
from content_library.fields import (
    LANGUAGES,
    MAX_TAGS,
    ImageUpload,
    ItemFields,
    check_fits,
    clean_fields,
    clean_link,
    clean_tags,
    split_list,
)
from content_library.labels import STATUS_LABELS, status_label
from content_library.life_events import get_template_for_use, is_template_publishable
from content_library.limits import LIMITS, NETWORK_LABELS, NETWORKS
from content_library.models import Status
from content_library.rendering import ITEM_PLACEHOLDERS, check_placeholders, render_placeholders
from content_library.usage_stats import UsageRow, usage_by_version
from content_library.use import (
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

__all__ = [
    "COUNT_CAP", "CURATORS", "ITEM_PLACEHOLDERS", "LANGUAGES", "LIMITS", "MAX_TAGS",
    "NETWORKS", "NETWORK_LABELS", "STATUS_LABELS", "ApprovedAttributes", "ImageUpload",
    "ItemFields", "approved_attributes", "publish_until",
    "LibraryPage", "Status", "UsageRow", "advisor_values", "available_now", "check_fits",
    "check_placeholders", "clean_fields", "clean_link", "clean_tags", "create_item",
    "edit_item", "get_item", "get_template_for_use", "get_version", "get_version_for_use",
    "is_template_publishable", "is_version_publishable", "library_query", "list_items",
    "on_item_decision", "personalise", "record_use", "render_placeholders", "retire_item",
    "search_library", "split_list", "status_label", "submit_version", "template_editors",
    "update_version", "usage_by_version", "version_editors", "version_state",
]
