"""Comments on published posts: what an adapter reads (``list_comments``) and the shapes it
answers in. Networks that let the app read comments set ``supports_comments``; those that let
it hide one set ``supports_hide``.

Capture is incremental: ``list_comments(token, post_id, since=<cursor>)`` returns the
comments newer than the cursor it returned last time (an opaque string the caller stores per
post) and the next cursor. Pages may overlap at the cursor's edge: callers store comments by
(network, external id), so a comment read twice is stored once.

The Graph API shape (Facebook, and the Sandbox that plays it) is parsed here once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Comments read per post and pass at most; the rest waits for the next pass (the cursor only
# moves past what was read).
MAX_PAGES = 10


@dataclass(frozen=True)
class NetworkComment:
    external_id: str
    text: str
    author_id: str | None
    author_name: str
    created_at: datetime
    # The comment this one answers, when it is a reply to a comment (not to the post).
    parent_id: str | None = None
    hidden: bool = False


@dataclass(frozen=True)
class CommentPage:
    comments: tuple[NetworkComment, ...]
    cursor: str | None  # what to pass as ``since`` next time
    complete: bool = True  # every comment since the cursor was read (False: page budget hit)
    reads: int = 0  # resources read (X bills each one)


def parse_graph_time(value: str | None) -> datetime:
    """Graph API ``created_time`` ("2026-12-02T10:00:00+0000"); now if missing or odd."""
    if value:
        try:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def graph_comment(node: dict[str, Any]) -> NetworkComment | None:
    """One Graph API comment node; None without an id (no MODERATE task on the Page)."""
    if not node.get("id"):
        return None
    author: dict[str, Any] = node["from"] if isinstance(node.get("from"), dict) else {}
    parent: dict[str, Any] = node["parent"] if isinstance(node.get("parent"), dict) else {}
    return NetworkComment(
        external_id=str(node["id"]),
        text=str(node.get("message") or ""),
        author_id=str(author["id"]) if author.get("id") else None,
        author_name=str(author.get("name") or ""),
        created_at=parse_graph_time(node.get("created_time")),
        parent_id=str(parent["id"]) if parent.get("id") else None,
        hidden=bool(node.get("is_hidden")),
    )


def graph_cursor(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def graph_since(cursor: str | None) -> datetime | None:
    if not cursor:
        return None
    try:
        return datetime.fromisoformat(cursor).astimezone(UTC)
    except ValueError:
        return None


def read_graph_comments(fetch: Callable[[str, dict[str, str] | None], dict[str, Any]],
                        url: str, params: dict[str, str], since: str | None,
                        *, max_pages: int = MAX_PAGES) -> CommentPage:
    """Newest first (``order=reverse_chronological``, ``filter=stream``: replies too), page by
    page, down to the cursor's time: the comments created at or after it, and the new cursor
    (the newest ``created_time`` seen).

    The cursor is a time, not a Graph paging cursor: those are "invalidated if the item is
    deleted or removed. Therefore, your app shouldn't store cursors or assume that they will
    be valid in the future" (https://developers.facebook.com/docs/graph-api/results/). Comments
    created in the cursor's own second are read again; the caller stores each once.
    """
    floor = graph_since(since)
    found: list[NetworkComment] = []
    newest = floor
    next_url: str | None = url
    next_params: dict[str, str] | None = params
    complete = False
    for _ in range(max_pages):
        if not next_url:
            complete = True
            break
        data = fetch(next_url, next_params)
        reached_floor = False
        for node in data.get("data") or []:
            comment = graph_comment(node) if isinstance(node, dict) else None
            if comment is None:
                continue
            if floor is not None and comment.created_at < floor:
                reached_floor = True
                break
            found.append(comment)
            if newest is None or comment.created_at > newest:
                newest = comment.created_at
        if reached_floor:
            complete = True
            break
        next_url = (data.get("paging") or {}).get("next")
        next_params = None  # the next URL carries every parameter
    else:
        complete = not next_url
    if not complete:
        # Stopped at the page budget with older comments unread: keep the old cursor, so
        # the next pass reads them (and the newer ones again, stored once).
        return CommentPage(tuple(found), since, complete=False, reads=len(found))
    return CommentPage(tuple(found), graph_cursor(newest) if newest else since,
                       reads=len(found))
