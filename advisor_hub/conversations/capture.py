"""Capture: read new comments and replies on every published post of every linked account,
where the network allows it, store each once, archive it, and alert on clients' sensitive data.

* Which networks: those whose adapter reads comments (Facebook Pages, the Sandbox), X only with
  ``X_CAPTURE_REPLIES`` (billed per post read), never LinkedIn members' posts (partner-only).
* Incremental: one ``CaptureCursor`` per published outbox row holds the adapter's cursor; a
  pass reads only what is newer (pages may overlap at the edge).
* Idempotent: a comment is inserted with ``ON CONFLICT (network, external_id) DO NOTHING
  RETURNING id``: of two processes reading the same comment, one inserts it and archives it,
  the other gets no row back and does nothing. The cursor survives restarts (it is a row).
* Limits: each read takes a token from the connectors' read buckets
  (``limits.reserve_read``); an empty bucket, a 429 or an app-wide hold of the network puts the
  post off (``next_run_at``) instead of calling.
* No network call inside a transaction: the pass commits before each call and after storing
  what the call returned (like the dispatcher, it owns its short transactions), so a slow
  network never holds a database lock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from advisor_hub.connectors import holds, limits
from advisor_hub.conversations import archiving, settings
from advisor_hub.conversations.models import CaptureCursor, Comment, Reply
from advisor_hub.conversations.sensitive import sensitive_rules
from advisor_hub.db import SQLITE_BEGIN
from advisor_hub.networks import (
    ADAPTERS,
    NETWORK_NAMES,
    NetworkAdapter,
    NetworkComment,
    NetworkError,
    NotSent,
    ReauthNeeded,
    TokenSet,
)
from advisor_hub.networks.base import http_session
from advisor_hub.networks.x import SEARCH_WINDOW_DAYS
from advisor_hub.notifications.services import N_, notify
from advisor_hub.publishing import reporting as publishing
from advisor_hub.publishing.connect import adapter_for, token_cipher
from advisor_hub.publishing.linking import mark_relink_needed
from advisor_hub.publishing.models import LinkedAccount
from advisor_hub.publishing.tokens import fresh_tokens

log = logging.getLogger(__name__)

BACKOFF = timedelta(minutes=5)
MAX_POSTS_PER_PASS = 200


def capturing_networks(config: Mapping[str, Any]) -> list[str]:
    """The networks whose comments are read, in display order."""
    names = []
    for name in NETWORK_NAMES:
        if not ADAPTERS[name].supports_comments:
            continue  # LinkedIn: partner-only, whatever LINKEDIN_CAPTURE_COMMENTS says
        if name == "x" and not settings.x_capture(config):
            continue
        names.append(name)
    return names


@dataclass
class PassReport:
    posts: int = 0
    new_comments: int = 0
    deferred: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Target:
    target_id: int
    post_id: int
    account_id: int
    network: str
    network_post_id: str
    published_at: datetime
    author_id: int
    branch_id: int | None


def begin_write(session: Session) -> None:
    """Start the next transaction as a writer on SQLite (``BEGIN IMMEDIATE``, waiting its
    turn): a deferred one that reads first would fail at its first write, without waiting,
    once another process has written since its snapshot ("database is locked")."""
    if session.get_bind().dialect.name == "sqlite" and not session.in_transaction():
        session.connection(execution_options={SQLITE_BEGIN: "BEGIN IMMEDIATE"})


def tokens_for(session: Session, account_id: int, adapter: NetworkAdapter,
               config: Mapping[str, Any]) -> TokenSet:
    """The account's usable tokens, refreshed if need be; the reading transaction ends here,
    so none stays open during the network call that follows."""
    tokens = fresh_tokens(session, account_id, adapter, token_cipher(config))
    session.commit()
    return tokens


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _cursor_row(session: Session, target: _Target) -> CaptureCursor:
    """The post's cursor row, created by whichever process gets there first."""
    session.execute(_insert(session)(CaptureCursor).values(
        target_id=target.target_id, network=target.network, comments_seen=0)
        .on_conflict_do_nothing(index_elements=["target_id"]))
    cursor = session.get(CaptureCursor, target.target_id, populate_existing=True)
    assert cursor is not None
    return cursor


def published_targets(session: Session, now: datetime, config: Mapping[str, Any],
                      networks: list[str]) -> list[_Target]:
    """Published rows of ``networks`` still inside the capture window, unless the network is
    held."""
    networks = [n for n in networks if holds.active_hold_for(session, n) is None]
    if not networks:
        return []
    since = now - timedelta(days=settings.capture_days(config))
    rows = [_Target(*row) for row in session.execute(
        publishing.published_on_networks(networks, since)).all()]
    x_since = now - timedelta(days=SEARCH_WINDOW_DAYS)
    return [r for r in rows if r.network != "x" or r.published_at >= x_since]


def due_targets(session: Session, now: datetime, config: Mapping[str, Any]) -> list[_Target]:
    """Published rows whose comments are read this pass (not put off, network not held)."""
    rows = published_targets(session, now, config, capturing_networks(config))
    if not rows:
        return []
    waiting = set(session.scalars(select(CaptureCursor.target_id).where(
        CaptureCursor.target_id.in_([r.target_id for r in rows]),
        CaptureCursor.next_run_at.is_not(None), CaptureCursor.next_run_at > now)))
    return [r for r in rows if r.target_id not in waiting][:MAX_POSTS_PER_PASS]


def capture_comments(session: Session, now: datetime, *,
                     config: Mapping[str, Any] | None = None,
                     http: requests.Session | None = None) -> PassReport:
    """One capture pass (the periodic job ``conversations.capture``)."""
    config = config if config is not None else current_app.config
    report = PassReport()
    targets = due_targets(session, now, config)
    session.commit()  # end the read: nothing is held during the calls below
    http = http or http_session()
    adapters: dict[str, NetworkAdapter] = {}
    for target in targets:
        adapter = adapters.get(target.network)
        if adapter is None:
            adapter = adapters[target.network] = adapter_for(config, target.network, http=http)
        report.posts += 1
        capture_post(session, target, adapter, now, config, report)
    return report


def capture_post(session: Session, target: _Target, adapter: NetworkAdapter, now: datetime,
                 config: Mapping[str, Any], report: PassReport) -> None:
    begin_write(session)
    cursor = _cursor_row(session, target)
    wait = limits.reserve_read(session, target.account_id, target.network, now, config=config)
    if wait is not None:
        cursor.next_run_at = wait
        session.commit()
        report.deferred += 1
        return
    since = cursor.cursor
    session.commit()
    try:
        tokens = tokens_for(session, target.account_id, adapter, config)
        page = adapter.list_comments(tokens, target.network_post_id, since=since)
    except ReauthNeeded as error:
        session.rollback()
        begin_write(session)
        account = session.get(LinkedAccount, target.account_id)
        if account is not None:
            mark_relink_needed(session, account, error.message or str(error))
        _put_off(session, target, now, BACKOFF, error)
        report.failed += 1
        return
    except NotSent as error:
        session.rollback()
        delay = timedelta(seconds=error.retry_after) if error.retry_after else BACKOFF
        _put_off(session, target, now, delay, error)
        report.deferred += 1
        return
    except NetworkError as error:
        session.rollback()
        log.warning("capture of %s post %s failed: %s", target.network, target.post_id, error)
        _put_off(session, target, now, BACKOFF, error)
        report.failed += 1
        return
    begin_write(session)
    account = session.get(LinkedAccount, target.account_id)
    own_id = account.external_id if account is not None else None
    new = store_comments(session, target, page.comments, own_id, now)
    cursor = _cursor_row(session, target)
    if page.cursor is not None:
        cursor.cursor = page.cursor
    cursor.last_run_at = now
    cursor.last_error = None
    cursor.comments_seen += new
    # Read again after the interval, sooner when a page budget left comments unread.
    cursor.next_run_at = None if not page.complete else now + timedelta(
        seconds=settings.capture_interval(config))
    session.commit()
    report.new_comments += new


def _put_off(session: Session, target: _Target, now: datetime, delay: timedelta,
             error: NetworkError) -> None:
    begin_write(session)
    cursor = _cursor_row(session, target)
    cursor.last_run_at = now
    cursor.next_run_at = now + delay
    cursor.last_error = (error.message or str(error))[:2000]
    session.commit()


def store_comments(session: Session, target: _Target, comments: Iterable[NetworkComment],
                   own_id: str | None, now: datetime) -> int:
    """Insert the comments not stored yet; archive and screen each one inserted here."""
    new = 0
    # Oldest first; listings come newest first, so ties (same second) keep their order too.
    for found in sorted(reversed(list(comments)), key=lambda c: c.created_at):
        inserted = session.execute(_insert(session)(Comment).values(
            network=target.network, external_id=found.external_id,
            parent_external_id=found.parent_id, post_id=target.post_id,
            target_id=target.target_id, account_id=target.account_id,
            network_post_id=target.network_post_id, advisor_id=target.author_id,
            branch_id=target.branch_id, author_external_id=found.author_id,
            author_name=found.author_name[:200], text=found.text, created_at=found.created_at,
            captured_at=now, own=bool(own_id and found.author_id == own_id), sensitive=[],
            complaint=False)
            .on_conflict_do_nothing(index_elements=["network", "external_id"])
            .returning(Comment.id)).scalar()
        if inserted is None:
            continue  # stored already (an earlier pass, or another process just now)
        comment = session.get(Comment, inserted)
        assert comment is not None
        _after_insert(session, comment)
        new += 1
    session.flush()
    return new


def _after_insert(session: Session, comment: Comment) -> None:
    if comment.own:
        # The account's own reply read back: archived when the portal sent it; one written
        # on the network directly is archived now (nothing the account says escapes).
        sent_here = session.scalar(select(Reply.id).where(
            Reply.external_id == comment.external_id))
        comment.read_at = comment.captured_at
        if sent_here is None:
            comment.archive_record_id = archiving.archive_comment(session, comment)
        return
    comment.sensitive = sensitive_rules(session, comment.text)
    comment.archive_record_id = archiving.archive_comment(session, comment)
    if comment.sensitive:
        notify(session, comment.advisor,
               N_("A client posted sensitive data (%(kinds)s) under your post: hide the "
                  "comment and answer with the approved “contact us privately” reply."),
               {"kinds": ", ".join(r.removeprefix("pii:") for r in comment.sensitive)},
               f"/conversations/comments/{comment.id}")


# --- comments deleted on the network --------------------------------------------------------


def sweep_deleted(session: Session, now: datetime, *,
                  config: Mapping[str, Any] | None = None,
                  http: requests.Session | None = None) -> int:
    """Read whole listings (no cursor) of posts with comments, at most every
    ``CONVERSATIONS_SWEEP_SECONDS``, and mark the stored comments gone from them as deleted
    (archived as such). X is left out: every post read again would be billed."""
    config = config if config is not None else current_app.config
    networks = [n for n in capturing_networks(config) if n != "x"]
    before = now - timedelta(seconds=settings.sweep_seconds(config))
    targets = {t.target_id: t for t in published_targets(session, now, config, networks)}
    cursors = list(session.scalars(select(CaptureCursor).where(
        CaptureCursor.target_id.in_(list(targets)), CaptureCursor.comments_seen > 0,
        (CaptureCursor.swept_at.is_(None)) | (CaptureCursor.swept_at < before))))
    chosen = [(c.target_id, targets[c.target_id]) for c in cursors]
    session.commit()
    http = http or http_session()
    marked = 0
    for target_id, target in chosen:
        adapter = adapter_for(config, target.network, http=http)
        begin_write(session)
        if limits.reserve_read(session, target.account_id, target.network, now,
                               config=config) is not None:
            session.commit()
            continue
        session.commit()
        try:
            tokens = tokens_for(session, target.account_id, adapter, config)
            page = adapter.list_comments(tokens, target.network_post_id, since=None)
        except NetworkError:
            session.rollback()
            continue
        begin_write(session)
        cursor = session.get(CaptureCursor, target_id)
        if cursor is not None:
            cursor.swept_at = now
        if page.complete:
            marked += mark_deleted(session, target_id, {c.external_id for c in page.comments},
                                   now)
        session.commit()
    return marked


def mark_deleted(session: Session, target_id: int, present: set[str], now: datetime) -> int:
    """Stored comments of the post missing from a complete listing: deleted on the network."""
    gone = [c for c in session.scalars(select(Comment).where(
        Comment.target_id == target_id, Comment.deleted_at.is_(None)))
        if c.external_id not in present]
    for comment in gone:
        comment.deleted_at = now
        archiving.archive_comment_event(session, comment, "deleted", now,
                                        detected_by="full listing")
    session.flush()
    return len(gone)
