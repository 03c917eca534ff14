"""What conversations put in the hash-chained archive: every captured comment (kinds
"comment"), every reply sent ("reply"), and later facts about a comment (hidden, deleted on the
network, escalation closed without an answer) as further "comment" records: the archive is
append-only, so a deleted comment's first record stays and a second one marks it deleted.

Payload keys the archive's search columns read: ``advisor_id``, ``branch_id``, ``network``,
``post_id``, ``review_id`` (``archive.index.derive``). The commenter is ``author_name`` /
``author_network_id``, never ``author_id`` (which the index reads as the advisor).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from advisor_hub.archive.append import append_record
from advisor_hub.conversations.models import Comment, Reply

COMMENT_KIND = "comment"
REPLY_KIND = "reply"


def _base(comment: Comment) -> dict[str, Any]:
    return {
        "comment_id": comment.id, "network": comment.network,
        "network_comment_id": comment.external_id,
        "network_parent_id": comment.parent_external_id,
        "network_post_id": comment.network_post_id, "post_id": comment.post_id,
        "target_id": comment.target_id, "advisor_id": comment.advisor_id,
        "branch_id": comment.branch_id,
    }


def archive_comment(session: Session, comment: Comment) -> int:
    """The comment as captured: who (public name and network id), when, its exact text."""
    record = append_record(session, kind=COMMENT_KIND, payload={
        **_base(comment), "event": "captured", "author_name": comment.author_name,
        "author_network_id": comment.author_external_id,
        "created_at": comment.created_at.isoformat(), "text": comment.text,
        "own_account": comment.own, "sensitive": list(comment.sensitive or []),
    })
    return int(record.id)


def archive_comment_event(session: Session, comment: Comment, event: str, at: datetime, *,
                          actor_id: int | None = None, **details: Any) -> int:
    """A later fact about an archived comment: "hidden", "deleted", "not_answered",
    "complaint"."""
    record = append_record(session, kind=COMMENT_KIND, actor_id=actor_id, payload={
        **_base(comment), "event": event, "at": at.isoformat(), **details})
    return int(record.id)


def archive_reply(session: Session, reply: Reply, comment: Comment) -> int:
    """A reply as it went out: its exact text, the network's ids, the approval behind it."""
    record = append_record(session, kind=REPLY_KIND, actor_id=reply.author_id, payload={
        **_base(comment), "event": "sent", "reply_id": reply.id,
        "network_reply_id": reply.external_id, "text": reply.text,
        "source": reply.source.value, "template_id": reply.template_id,
        "review_id": reply.review_id, "sample_review_id": reply.sample_review_id,
        "escalation_id": reply.escalation_id, "author_user_id": reply.author_id,
        "sent_at": reply.sent_at.isoformat() if reply.sent_at else None,
    })
    return int(record.id)
