"""Publishing's public services, and its registration with approvals (at import).

Other packages and the views use these names; the work is done in the sub-modules.
"""

from __future__ import annotations

from advisor_hub.publishing import upstream
from advisor_hub.publishing.composer import (
    cancel_post,
    compose_post,
    edit_post,
    on_post_decision,
    own_post,
    posts_of,
    reschedule_post,
    schedule_post,
    schedule_time,
)
from advisor_hub.publishing.linking import (
    account_details,
    accounts_of,
    active_accounts_of,
    link_account,
    on_account_decision,
    own_account,
    unlink_account,
)

__all__ = [
    "accounts_of", "active_accounts_of", "cancel_post", "compose_post", "edit_post",
    "link_account", "own_account", "own_post", "posts_of", "register_review_kinds",
    "reschedule_post", "schedule_post", "schedule_time", "unlink_account",
]


def register_review_kinds() -> bool:
    """Tell approvals who decides what happens after a decision on our two kinds."""
    ok = upstream.register_subject("post", subject_type="posts", on_decision=on_post_decision)
    return upstream.register_subject("linked_account", subject_type="linked_accounts",
                                     on_decision=on_account_decision,
                                     describe=account_details) and ok


register_review_kinds()
