"""Publishing's public services (its review kinds are declared in ``advisor_hub.features``).

Other packages and the views use these names; the work is done in the sub-modules.
"""

from __future__ import annotations

from advisor_hub.publishing.composer import (
    cancel_post,
    cancel_posts,
    compose_library_post,
    compose_post,
    edit_post,
    on_post_decision,
    own_post,
    post_editors,
    posts_of,
    reschedule_post,
    schedule_post,
    schedule_time,
)
from advisor_hub.publishing.linking import (
    account_details,
    account_editors,
    accounts_of,
    active_accounts_of,
    link_account,
    on_account_decision,
    own_account,
    unlink_account,
)

__all__ = [
    "account_details", "account_editors", "accounts_of", "active_accounts_of", "cancel_post",
    "cancel_posts",
    "compose_library_post", "compose_post", "edit_post", "link_account", "on_account_decision",
    "on_post_decision", "own_account", "own_post", "post_editors", "posts_of",
    "reschedule_post", "schedule_post", "schedule_time", "unlink_account",
]

