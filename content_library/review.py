"""The library's only door to the approvals package (CONTRACTS.md): submitting a version for
review, the decision handler for kinds "library_item" and "life_event_template", and whether an
approval still stands. Keeping every call here makes the seam easy to see and to fake in tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from advisor_hub.accounts.models import User

ITEM_KIND = "library_item"
TEMPLATE_KIND = "life_event_template"

# kind -> on_decision(session, subject_id, outcome, review); filled by services at import.
handlers: dict[str, Callable[[Session, int, str, Any], None]] = {}


def register(kind: str, *, subject_type: str,
             on_decision: Callable[[Session, int, str, Any], None],
             url: Callable[[int], str] | None = None,
             describe: Callable[[Session, int], Any] | None = None) -> None:
    """Remember our handler and hand it to approvals; ``url(subject_id)`` is where the
    author's notification about a decision links to; ``describe`` gives the review page
    the attributes an approval covers."""
    handlers[kind] = on_decision
    try:
        from approvals.services import register_subject
    except ImportError:  # approvals not installed: decisions come through ``decide`` only
        return
    register_subject(kind, subject_type=subject_type, on_decision=on_decision, url=url,
                     describe=describe)


def submit(session: Session, *, kind: str, subject_id: int, author: User, text: str,
           link_url: str | None, media_sha256: str | None, media_url: str | None,
           title: str | None, networks: list[str], category: str | None) -> int:
    """Open a review request for a library version or template; returns its id."""
    from approvals.services import ReviewContent, submit_for_review

    review = submit_for_review(
        session, kind=kind, subject_id=subject_id, author=author,
        content=ReviewContent(text=text, link_url=link_url, media_sha256=media_sha256,
                              media_url=media_url, title=title),
        networks=networks, branch_id=None, category=category,
    )
    return int(review.id)


def approval_stands(session: Session, review_id: int | None) -> bool:
    """Whether the approval behind a version still stands (approved, not revoked/expired)."""
    if review_id is None:
        return False
    from approvals.services import get_approval

    info = get_approval(session, review_id)
    return bool(info is not None and info.stands)


def decide(session: Session, kind: str, subject_id: int, outcome: str, review: Any) -> None:
    """Deliver a decision to our handler as approvals would (demo seed and tests use it)."""
    handlers[kind](session, subject_id, outcome, review)
