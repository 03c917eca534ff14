"""Where a post and each of its rows stand, in the advisor's words: "Scheduled for 14 Jan at
09:00", "Publishing…", "Published on 3 Dec at 09:00 (view)"; never "Scheduled for" a time
that has passed. Plain data; the templates say it (``publishing/_post_status.html``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from advisor_hub.publishing.models import Post, PostState, PublicationTarget, TargetState

# A row due within this long is "in flight": the post page keeps refreshing itself.
IMMINENT = timedelta(minutes=2)


class Phrase(enum.StrEnum):
    """What the page says (each has its sentence in the template)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    NEEDS_NEW_TIME = "needs_new_time"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    PARTLY_PUBLISHED = "partly_published"
    NOT_PUBLISHED = "not_published"
    NEEDS_CHECK = "needs_check"
    HELD = "held"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Standing:
    phrase: Phrase
    when: datetime | None = None  # the time the phrase names (scheduled for / published on)
    url: str | None = None  # where the published post can be seen
    publish_now: bool = False  # in review: published at once when approved


def target_standing(target: PublicationTarget, now: datetime) -> Standing:
    state = target.state
    if state == TargetState.SCHEDULED:
        if target.due_at is not None and target.due_at > now:
            return Standing(Phrase.SCHEDULED, target.due_at)
        return Standing(Phrase.PUBLISHING)
    if state == TargetState.PUBLISHING:
        return Standing(Phrase.PUBLISHING)
    if state == TargetState.PUBLISHED:
        return Standing(Phrase.PUBLISHED, target.published_at, target.network_post_url)
    if state == TargetState.NEEDS_CHECK:
        return Standing(Phrase.NEEDS_CHECK)
    if state == TargetState.HELD:
        return Standing(Phrase.HELD)
    if state == TargetState.FAILED:
        return Standing(Phrase.NOT_PUBLISHED)
    return Standing(Phrase.CANCELLED)


def post_standing(post: Post, now: datetime) -> Standing:
    state = post.state
    if state == PostState.DRAFT:
        return Standing(Phrase.DRAFT)
    if state == PostState.PENDING_REVIEW:
        return Standing(Phrase.IN_REVIEW, None if post.publish_now else post.scheduled_at,
                        publish_now=post.publish_now)
    if state == PostState.CHANGES_REQUESTED:
        return Standing(Phrase.CHANGES_REQUESTED)
    if state == PostState.APPROVED:
        return Standing(Phrase.NEEDS_NEW_TIME)
    if state == PostState.REJECTED:
        return Standing(Phrase.REJECTED)
    if state == PostState.CANCELLED:
        return Standing(Phrase.CANCELLED)
    rows = [target_standing(t, now) for t in post.targets]
    phrases = {r.phrase for r in rows}
    if Phrase.PUBLISHING in phrases:
        return Standing(Phrase.PUBLISHING)
    published = [r for r in rows if r.phrase == Phrase.PUBLISHED]
    if Phrase.SCHEDULED in phrases:
        due = min(r.when for r in rows if r.phrase == Phrase.SCHEDULED and r.when)
        return Standing(Phrase.SCHEDULED, due)
    if published:
        last = max((r.when for r in published if r.when), default=None)
        whole = len(published) == len(rows)
        return Standing(Phrase.PUBLISHED if whole else Phrase.PARTLY_PUBLISHED, last,
                        published[0].url if len(published) == 1 else None)
    if Phrase.HELD in phrases:
        return Standing(Phrase.HELD)
    if Phrase.NEEDS_CHECK in phrases:
        return Standing(Phrase.NEEDS_CHECK)
    if Phrase.NOT_PUBLISHED in phrases:
        return Standing(Phrase.NOT_PUBLISHED)
    return Standing(Phrase.CANCELLED)


def in_flight(post: Post, now: datetime) -> bool:
    """Something is being sent or is about to be: worth refreshing the page for."""
    for target in post.targets:
        if target.state == TargetState.PUBLISHING:
            return True
        if target.state == TargetState.SCHEDULED and (
                target.due_at is None or target.due_at <= now + IMMINENT):
            return True
    return post.state == PostState.PUBLISHING or (
        post.state == PostState.SCHEDULED and not post.targets)
