"""The other packages' tables the dashboard reads, as lightweight Core constructs.

Names and columns are those of the owners' models (approvals: review_requests; publishing:
linked_accounts, posts, publication_targets; content_library: library_item_versions,
library_usage). Only the columns read here are declared; the dashboard never writes.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, column, table

from advisor_hub.db import UTCDateTime

users = table(
    "users", column("id", Integer), column("first_name", String), column("last_name", String),
    column("email", String), column("branch_id", Integer), column("active", Boolean),
)
user_roles = table("user_roles", column("user_id", Integer), column("role", String))
branches = table("branches", column("id", Integer), column("name", String))

review_requests = table(
    "review_requests", column("id", Integer), column("kind", String),
    column("branch_id", Integer), column("status", String),
    column("submitted_at", UTCDateTime()), column("decided_at", UTCDateTime()),
    column("decided_by_id", Integer), column("reason_code", String),
)
linked_accounts = table(
    "linked_accounts", column("id", Integer), column("user_id", Integer),
    column("network", String), column("status", String),
)
posts = table(
    "posts", column("id", Integer), column("author_id", Integer), column("branch_id", Integer),
    column("source", String), column("state", String), column("created_at", UTCDateTime()),
)
publication_targets = table(
    "publication_targets", column("id", Integer), column("post_id", Integer),
    column("network", String), column("state", String), column("due_at", UTCDateTime()),
    column("created_at", UTCDateTime()), column("published_at", UTCDateTime()),
    column("failure_class", String),
)
library_item_versions = table(
    "library_item_versions", column("id", Integer), column("item_id", Integer),
    column("title", String),
)
library_usage = table(
    "library_usage", column("id", Integer), column("version_id", Integer),
    column("template_id", Integer), column("advisor_id", Integer), column("network", String),
    column("published_at", UTCDateTime()),
)
