"""Comments on Sandbox posts: the client view (anyone comments on an advisor's post, and may
delete their comment) and a JSON API with Facebook's Graph API shapes, so that one capture
code path serves both:

* ``GET /api/posts/<post-id>/comments`` ~ ``GET /{post-id}/comments``: ``fields`` is accepted
  and ignored (every field is returned); ``filter=stream`` (every comment and reply, flat) or
  ``toplevel`` (default); ``order=chronological`` (default) or ``reverse_chronological``;
  ``limit`` (25, at most 100) and cursor paging (``paging.cursors.after``, ``paging.next``).
* ``POST /api/comments/<comment-id>/comments`` (``message``) ~ a Page replying to a comment;
  answers ``{"id": ...}``.
* ``POST /api/comments/<comment-id>`` (``is_hidden=true|false``) ~ hiding a comment; answers
  ``{"success": true}``. A hidden comment stays visible to its author only.

The API needs a token of the account that owns the post (a Page token on Facebook).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for

from .protocol import bearer, fault_after, fault_before, get_state, json_error
from .state import DEFAULT_CLIENTS, Comment, Post

bp = Blueprint("sandbox_comments", __name__, template_folder="templates")

MAX_LIMIT = 100
DEFAULT_LIMIT = 25
MAX_MESSAGE = 8000


def graph_time(comment: Comment) -> str:
    """Facebook's ``created_time`` format: ``2026-12-02T10:00:00+0000``."""
    return comment.created_at.strftime("%Y-%m-%dT%H:%M:%S+0000")


def comment_json(comment: Comment) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": comment.id,
        "message": comment.message,
        "created_time": graph_time(comment),
        "from": {"id": comment.author_id, "name": comment.author_name},
        "is_hidden": comment.is_hidden,
    }
    if comment.parent_id:
        data["parent"] = {"id": comment.parent_id}
    return data


def _cursor(comment_id: str) -> str:
    return base64.urlsafe_b64encode(comment_id.encode()).decode("ascii")


def _uncursor(value: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(value.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError):
        return None


def _owned_post(post_id: str) -> tuple[Post | None, Response | None]:
    """The post, if the bearer token is its account's; else the answer refusing."""
    record, problem = bearer()
    if problem is not None:
        return None, problem
    assert record is not None
    post = get_state().get_post(post_id)
    if post is None:
        return None, json_error(404, "not_found", "no such post")
    if post.account_id != record.grant.profile_id:
        return None, json_error(403, "forbidden", "this token cannot read that post")
    return post, None


def _owned_comment(comment_id: str) -> tuple[Comment | None, Post | None, Response | None]:
    comment = get_state().get_comment(comment_id)
    if comment is None:
        # Facebook: code 100 "Unsupported get request. Object ... does not exist".
        return None, None, json_error(404, "not_found", "no such comment (deleted?)")
    post, problem = _owned_post(comment.post_id)
    return comment, post, problem


# -- API ------------------------------------------------------------------------------------


@bp.get("/api/posts/<post_id>/comments")
def list_comments(post_id: str) -> Response:
    stop, late = fault_before("comments")
    if stop is not None:
        return stop
    post, problem = _owned_post(post_id)
    if problem is not None:
        return problem
    comments = get_state().comments_for(post_id)
    if request.args.get("filter", "toplevel") != "stream":
        comments = [c for c in comments if c.parent_id is None]
    if request.args.get("order") == "reverse_chronological":
        comments = list(reversed(comments))
    limit = max(1, min(MAX_LIMIT, request.args.get("limit", DEFAULT_LIMIT, type=int)
                       or DEFAULT_LIMIT))
    start = 0
    if after := request.args.get("after"):
        after_id = _uncursor(after)
        ids = [c.id for c in comments]
        if after_id not in ids:
            return json_error(400, "invalid_cursor", "the cursor's comment is gone")
        start = ids.index(after_id) + 1
    page = comments[start:start + limit]
    paging: dict[str, Any] = {}
    if page:
        paging["cursors"] = {"before": _cursor(page[0].id), "after": _cursor(page[-1].id)}
        if start + limit < len(comments):
            args = {**request.args.to_dict(), "after": _cursor(page[-1].id)}
            paging["next"] = (url_for(".list_comments", post_id=post_id, _external=True)
                              + "?" + urlencode(args))
    return fault_after(late, jsonify({"data": [comment_json(c) for c in page],
                                      "paging": paging}))


def _message() -> str | None:
    data = request.get_json(silent=True) if request.is_json else request.form
    message = (data or {}).get("message")
    return message if isinstance(message, str) and message.strip() else None


@bp.post("/api/comments/<comment_id>/comments")
def reply(comment_id: str) -> Response:
    stop, late = fault_before("reply")
    if stop is not None:
        return stop
    comment, post, problem = _owned_comment(comment_id)
    if problem is not None:
        return problem
    assert comment is not None and post is not None
    message = _message()
    if message is None or len(message) > MAX_MESSAGE:
        return json_error(422, "invalid_content", "message is required (at most 8000 chars)")
    profile = get_state().profiles.get(post.account_id)
    created = get_state().add_comment(post.id, post.account_id,
                                      profile.name if profile else post.account_id, message,
                                      parent_id=comment.parent_id or comment.id)
    response = jsonify({"id": created.id})
    response.status_code = 201
    return fault_after(late, response)


@bp.post("/api/comments/<comment_id>")
def update_comment(comment_id: str) -> Response:
    stop, late = fault_before("hide")
    if stop is not None:
        return stop
    comment, _post, problem = _owned_comment(comment_id)
    if problem is not None:
        return problem
    assert comment is not None
    data = request.get_json(silent=True) if request.is_json else request.form
    value = str((data or {}).get("is_hidden", "")).lower()
    if value not in ("true", "false"):
        return json_error(400, "invalid_request", "is_hidden must be true or false")
    with get_state().lock:
        comment.is_hidden = value == "true"
    return fault_after(late, jsonify({"success": True}))


# -- the client view --------------------------------------------------------------------------


@bp.get("/posts/<post_id>")
def post_page(post_id: str) -> str:
    state = get_state()
    post = state.get_post(post_id)
    if post is None:
        abort(404)
    comments = state.comments_for(post_id)
    replies: dict[str, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    return render_template(
        "sandbox/post.html", title=post.id, post=post,
        profile=state.profiles.get(post.account_id),
        comments=[c for c in comments if c.parent_id is None], replies=replies,
        clients=DEFAULT_CLIENTS)


@bp.post("/posts/<post_id>/comments")
def client_comment(post_id: str) -> Response:
    """Someone (a client) comments on the post, or replies to a comment."""
    state = get_state()
    if state.get_post(post_id) is None:
        abort(404)
    name = " ".join(request.form.get("name", "").split())[:80]
    message = request.form.get("message", "").strip()
    if not name or not message or len(message) > MAX_MESSAGE:
        abort(400, "a name and a message (at most 8000 characters) are required")
    known = dict((n, i) for i, n in DEFAULT_CLIENTS)
    author_id = known.get(name) or "sbx-client-" + "-".join(name.lower().split())[:40]
    parent = request.form.get("parent_id") or None
    try:
        state.add_comment(post_id, author_id, name, message, parent_id=parent)
    except KeyError:
        abort(404)
    return redirect(url_for(".post_page", post_id=post_id))


@bp.post("/posts/<post_id>/comments/<comment_id>/delete")
def client_delete(post_id: str, comment_id: str) -> Response:
    """Its author deletes a comment: it is gone from the network (the portal's archive keeps
    it, marked deleted)."""
    comment = get_state().get_comment(comment_id)
    if comment is None or comment.post_id != post_id:
        abort(404)
    get_state().delete_comment(comment_id)
    return redirect(url_for(".post_page", post_id=post_id))
