"""The library's only door to the approvals package (``approvals.services``): submitting a
version for review, and whether an approval still stands. The decision handlers of kinds
"library_item" and "life_event_template" (``services.on_item_decision``,
``life_events.on_template_decision``) are registered with approvals by the library feature
in ``advisor_hub.features``; ``version_url``/``template_url`` are where the author's
notification about a decision links to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from approvals.services import ReviewContent, get_approval, submit_for_review

if TYPE_CHECKING:
    from advisor_hub.accounts.models import User

ITEM_KIND = "library_item"
TEMPLATE_KIND = "life_event_template"


def version_url(version_id: int) -> str:
    return f"/library/manage/versions/{version_id}"


def template_url(template_id: int) -> str:
    return f"/library/manage/templates/{template_id}/edit"


def submit(session: Session, *, kind: str, subject_id: int, author: User, text: str,
           link_url: str | None, media_sha256: str | None, media_url: str | None,
           title: str | None, networks: list[str], category: str | None) -> int:
    """Open a review request for a library version or template; returns its id."""
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
    info = get_approval(session, review_id)
    return bool(info is not None and info.stands)
