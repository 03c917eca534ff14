"""The dispatcher: claim due outbox rows, re-check them, send them, record what happened.

At most once per (post, account), whatever crashes (DESIGN.md invariant 2):

* A claim is a lease. PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` then an UPDATE in
  the same transaction; SQLite: one conditional ``UPDATE ... WHERE state = ... AND id IN
  (...)`` (SQLite serialises writers) and a re-read of the rows carrying this claim's token.
  The claim is committed before anything is sent.
* A row is sent only while its lease outlasts the adapter's connect + read timeouts, so a
  lease can only expire after its send has finished or its process has died.
* A row found ``publishing`` with an expired lease, or whose send ended with an unknown
  outcome, is reconciled before any resend: looked up by idempotency key where the network
  allows, else resent exactly once relying on the network's duplicate rejection, else
  marked ``needs_check`` for the advisor.
* Recording the result is conditional on still holding the claim (same token).

A round works on its whole claimed batch: one query loads it, the publish-time checks
(invariant 3) read each approval, library version and text once, tokens are read once per
account, and results are recorded as sends finish, several rows per transaction, with one
archive append (one acquisition of the archive's lock) per transaction. No ORM object
crosses into the sending threads: they get plain values and return plain results.

Failures are handled by class (``advisor_hub.networks.errors``): not sent → retry with
exponential backoff and jitter, honouring Retry-After, up to a maximum; outcome unknown →
reconcile; re-auth → account "relink needed", rows held; permanent → failed.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, joinedload, sessionmaker

from advisor_hub.archive.services import append_records
from advisor_hub.audit.services import record
from advisor_hub.content_hash import content_hash
from advisor_hub.db import one_of, utcnow
from advisor_hub.networks import (
    Duplicate,
    Media,
    NetworkAdapter,
    NetworkError,
    NotSent,
    OutcomeUnknown,
    PublishResult,
    ReauthNeeded,
    TokenCipher,
    TokenSet,
)
from advisor_hub.networks.base import http_session
from advisor_hub.notifications.services import N_, notify
from advisor_hub.publishing import models as m
from advisor_hub.publishing import upstream
from advisor_hub.publishing.connect import adapter_for, networks_available, token_cipher
from advisor_hub.publishing.linking import mark_relink_needed
from advisor_hub.publishing.media import MediaUnavailable, media_for_post
from advisor_hub.publishing.models import Post, PublicationTarget
from advisor_hub.publishing.outbox import lock_posts, set_target_state, settle_posts
from advisor_hub.publishing.tokens import fresh_tokens

log = logging.getLogger(__name__)

T = PublicationTarget
MAX_BACKOFF_SECONDS = 3600.0
LEASE_MARGIN_SECONDS = 1.0
GROUP_MIN_SIZE = 25  # finished sends recorded per transaction, unless ...
GROUP_WINDOW_SECONDS = 0.05  # ... waiting longer than this for them
REFILL_WAVES = 2  # claim the next batch when no more than this many waves of sends are left

# Reasons a row is cancelled at publish time (invariant 3); shown translated to the advisor.
REASON_ACCOUNT = N_("The account is no longer linked.")
REASON_APPROVAL = N_("The approval of this post no longer stands.")
REASON_HASH = N_("The content differs from what was approved.")
REASON_TOO_LONG = N_("The text is too long for this network.")
REASON_POLICY = N_("The compliance policy now blocks this text.")
REASON_LIBRARY = N_("The library item is no longer available: %(reason)s")
REASON_UNKNOWN = N_("The network did not confirm the publication.")
REASON_MEDIA = N_("The approved image is no longer available as approved.")


@dataclass(frozen=True)
class DispatchSettings:
    workers: int = 8
    batch_size: int = 100
    round_batches: int = 10  # batches one round may chain while its sends are out
    lease_seconds: int = 120
    max_attempts: int = 6
    backoff_seconds: float = 30.0
    reconcile_delay_seconds: float = 30.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DispatchSettings:
        return cls(
            workers=int(config.get("DISPATCH_WORKERS", 8)),
            batch_size=int(config.get("DISPATCH_BATCH_SIZE", 100)),
            round_batches=int(config.get("DISPATCH_ROUND_BATCHES", 10)),
            lease_seconds=int(config.get("DISPATCH_LEASE_SECONDS", 120)),
            max_attempts=int(config.get("DISPATCH_MAX_ATTEMPTS", 6)),
            backoff_seconds=float(config.get("DISPATCH_BACKOFF_SECONDS", 30.0)),
            reconcile_delay_seconds=float(config.get("DISPATCH_RECONCILE_DELAY_SECONDS", 30.0)),
        )


@dataclass
class DispatchReport:
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def backoff_delay(attempts: int, base: float, retry_after: float | None = None,
                  rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter (half to full), never sooner than Retry-After."""
    rng = rng or random
    exponential = min(MAX_BACKOFF_SECONDS, base * (2 ** max(0, attempts - 1)))
    delay = exponential * rng.uniform(0.5, 1.0)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


@dataclass(frozen=True)
class Claim:
    target_id: int
    token: str
    reconcile: bool


def claim_rows(session: Session, *, now: datetime, limit: int, lease_seconds: int,
               worker: str) -> list[Claim]:
    """Claim up to ``limit`` rows: stale leases (to reconcile) first, then due rows.

    Commits the claim. Each claimed row is ``publishing`` with ``claimed_by`` = a token only
    this call knows, and a lease ending ``lease_seconds`` from now.
    """
    lease_until = now + timedelta(seconds=lease_seconds)
    base = f"{worker[:24]}-{uuid.uuid4().hex[:24]}"
    tokens = {True: base + "-r", False: base + "-s"}
    stale = and_(T.state == m.PUBLISHING,
                 or_(T.lease_expires_at.is_(None), T.lease_expires_at < now))
    due = and_(T.state == m.SCHEDULED, T.due_at <= now)
    claims: list[Claim] = []
    postgres = session.get_bind().dialect.name == "postgresql"
    for reconcile, condition, order in ((True, stale, T.id), (False, due, T.due_at)):
        room = limit - len(claims)
        if room <= 0:
            break
        values = {"state": m.PUBLISHING, "claimed_by": tokens[reconcile],
                  "lease_expires_at": lease_until, "attempts": T.attempts + 1}
        if postgres:
            ids = list(session.scalars(select(T.id).where(condition).order_by(order, T.id)
                                       .limit(room).with_for_update(skip_locked=True)))
            if ids:
                session.execute(update(T).where(one_of(session, T.id, ids)).values(**values)
                                .execution_options(synchronize_session=False))
        else:
            chosen = select(T.id).where(condition).order_by(order, T.id).limit(room)
            session.execute(update(T).where(condition, T.id.in_(chosen.scalar_subquery()))
                            .values(**values).execution_options(synchronize_session=False))
            ids = list(session.scalars(select(T.id).where(T.claimed_by == tokens[reconcile])))
        claims.extend(Claim(i, tokens[reconcile], reconcile) for i in ids)
    session.commit()
    return claims


# -- what crosses into the sending threads (plain values, no ORM objects) -----------------


@dataclass(frozen=True)
class Job:
    """One row to look up or send."""

    target_id: int
    post_id: int
    network: str
    external_id: str
    text: str
    link_url: str | None
    idempotency_key: str
    tokens: TokenSet
    lease_expires_at: datetime | None
    maybe_sent: bool  # an earlier attempt may be out (a reconciled row)
    media: Media | None = None


@dataclass(frozen=True)
class Result:
    """What happened to one row; ``kind`` says which outcome handler records it."""

    target_id: int
    post_id: int
    kind: str
    result: PublishResult | None = None
    error: NetworkError | None = None
    reason: str | None = None
    maybe_sent: bool = False


def _result(job: Job, kind: str, **values: Any) -> Result:
    return Result(job.target_id, job.post_id, kind, maybe_sent=job.maybe_sent, **values)


def _result_for(target: PublicationTarget, kind: str, reason: str) -> Result:
    """A decision about a row that may be out already."""
    return Result(target.id, target.post_id, kind, reason=reason, maybe_sent=True)


def _refused(error: NetworkError | None) -> bool:
    """The network refused the lookup itself (as opposed to: unreachable, unknown, or our
    authorisation is gone)."""
    return not isinstance(error, ReauthNeeded | NotSent | OutcomeUnknown)


class Checks:
    """Invariant 3 for a batch: each approval, library version, template and text is read
    once however many rows share it."""

    def __init__(self, session: Session, targets: Iterable[PublicationTarget],
                 now: datetime, upload_folder: str) -> None:
        self.session = session
        self.now = now
        self.upload_folder = upload_folder
        self.media: dict[int, Media | None] = {}  # by post: one read per image
        targets = list(targets)
        self.approvals = upstream.get_approvals(session, {t.review_id for t in targets})
        self._library: dict[tuple[str, int], tuple[bool, str | None]] = {}
        texts = list({(t.text, t.post.link_url) for t in targets})
        self._blocked = {key: screening.blocked for key, screening
                         in zip(texts, upstream.screen_texts(session, texts), strict=True)}

    def _publishable(self, kind: str, ident: int) -> tuple[bool, str | None]:
        key = (kind, ident)
        if key not in self._library:
            check = (upstream.is_version_publishable if kind == "version"
                     else upstream.is_template_publishable)
            self._library[key] = check(self.session, **{f"{kind}_id": ident, "now": self.now})
        return self._library[key]

    def reason(self, target: PublicationTarget, adapter: NetworkAdapter) -> str | None:
        """A reason to cancel, "held", or None when the row may go out."""
        post, account = target.post, target.account
        if account.status == m.RELINK_NEEDED:
            return "held"
        if account.status != m.ACTIVE:
            return REASON_ACCOUNT
        approval = self.approvals.get(target.review_id) if target.review_id else None
        if approval is None or not approval.stands:
            return REASON_APPROVAL
        exact = content_hash(target.text, post.link_url, post.media_sha256)
        if approval.content_hash != exact or target.content_hash != exact:
            return REASON_HASH
        for kind, ident in (("version", post.library_version_id),
                            ("template", post.template_id)):
            if ident is not None:
                ok, why = self._publishable(kind, ident)
                if not ok:
                    return REASON_LIBRARY % {"reason": why or "retired"}
        if not adapter.fits(target.text, post.link_url, with_media=bool(post.media_sha256)):
            return REASON_TOO_LONG
        if self._blocked[(target.text, post.link_url)]:
            return REASON_POLICY
        if post.id not in self.media:
            try:
                self.media[post.id] = media_for_post(self.session, post,
                                                     upload_folder=self.upload_folder)
            except MediaUnavailable as error:
                log.warning("outbox row %s: %s", target.id, error.reason)
                return REASON_MEDIA
        return None


class Write:
    """One write transaction recording outcomes. Posts touched are settled, approvals used
    are marked and publications archived once, at ``finish``."""

    def __init__(self, session: Session, approvals: dict[int, upstream.Approval]) -> None:
        self.session = session
        self.approvals = approvals
        self.posts: set[int] = set()
        self.used_reviews: set[int] = set()
        self.archive: list[tuple[dict[str, Any], int | None]] = []
        self.locked: list[Post] = []

    def hold_claims(self, results: list[Result], tokens: Iterable[str]
                    ) -> dict[int, PublicationTarget]:
        """Open the transaction by re-asserting the claims; the rows still ours, loaded
        with their posts (locked) and accounts.

        PostgreSQL: the posts' locks first (in id order): each later UPDATE of a row may
        re-check its foreign key (KEY SHARE on the post), and two transactions upgrading
        that to the post's lock in different orders would deadlock. Then the rows, locked
        ``FOR UPDATE`` with the claim in the WHERE clause (re-evaluated after the lock is
        granted). SQLite: a conditional UPDATE is the first statement, so the write lock is
        taken before anything is read."""
        session, ids, tokens = self.session, [r.target_id for r in results], list(tokens)
        post_ids = {r.post_id for r in results}
        still_ours = and_(one_of(session, T.id, ids), T.claimed_by.in_(tokens),
                          T.state == m.PUBLISHING)
        query = select(T).options(joinedload(T.account))
        if session.get_bind().dialect.name == "postgresql":
            self.locked = lock_posts(session, post_ids)
            query = query.where(still_ours).with_for_update(of=T)
        else:
            held = list(session.scalars(
                update(T).where(still_ours).values(updated_at=utcnow()).returning(T.id)
                .execution_options(synchronize_session=False)))
            if not held:
                return {}
            self.locked = lock_posts(session, post_ids)  # (SQLite: no row locks, a read)
            query = query.where(one_of(session, T.id, held))
        # Each row's post is the one just read (found in the session, no query).
        rows = session.scalars(query.execution_options(populate_existing=True)).unique()
        return {t.id: t for t in rows}

    def approval(self, review_id: int | None) -> upstream.Approval | None:
        if review_id is not None and review_id not in self.approvals:
            self.approvals.update(upstream.get_approvals(self.session, [review_id]))
        return self.approvals.get(review_id) if review_id is not None else None

    def finish(self) -> None:
        settle_posts(self.session, self.posts, locked=self.locked)
        upstream.mark_used(self.session, review_ids=self.used_reviews, at=utcnow())
        # Last: the archive serialises its appends (a chain), so hold its lock briefly.
        append_records(self.session, kind="publication", entries=self.archive)


class Dispatcher:
    """Claims and sends; one per process (the scheduler job or a worker process)."""

    def __init__(self, make_session: sessionmaker[Session], config: Mapping[str, Any],
                 settings: DispatchSettings | None = None, worker: str | None = None) -> None:
        self.make_session = make_session
        self.config = dict(config)
        self.settings = settings or DispatchSettings.from_config(config)
        self.worker = worker or f"w{uuid.uuid4().hex[:8]}"
        self.cipher: TokenCipher = token_cipher(self.config)
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None
        self._run_lock = threading.Lock()
        self._check_lease()

    def _check_lease(self) -> None:
        """A lease must outlast a whole send, or a live send could be reconciled under it."""
        for network in networks_available(self.config):
            config = self.adapter(network).config
            needed = config.connect_timeout + config.read_timeout + LEASE_MARGIN_SECONDS
            if self.settings.lease_seconds <= needed:
                raise ValueError(
                    f"DISPATCH_LEASE_SECONDS ({self.settings.lease_seconds}) must exceed the "
                    f"{network} connect + read timeouts + {LEASE_MARGIN_SECONDS:g} s "
                    f"({needed:g} s)")

    # -- plumbing -----------------------------------------------------------------------------

    def adapter(self, network: str) -> NetworkAdapter:
        adapters = getattr(self._local, "adapters", None)
        if adapters is None:
            adapters = self._local.adapters = {}
            self._local.http = http_session()
        if network not in adapters:
            adapters[network] = adapter_for(self.config, network, http=self._local.http)
        return adapters[network]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _map(self, func: Any, jobs: list[Job],
             refill: Callable[[], list[Job]] | None = None) -> Iterable[list[Any]]:
        """Run ``func`` over jobs with bounded concurrency; yield results in groups, each
        as soon as something finished (the caller records a group per transaction).
        ``refill`` is asked for more jobs whenever no more than ``REFILL_WAVES`` waves are
        left."""
        if self.settings.workers <= 1:
            yield [func(job) for job in jobs]
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.settings.workers,
                                            thread_name_prefix="dispatch")
        pool, low = self._pool, REFILL_WAVES * self.settings.workers
        pending: set[Future[Any]] = {pool.submit(func, job) for job in jobs}
        while True:
            if refill is not None and len(pending) <= low:
                more = refill()
                pending |= {pool.submit(func, job) for job in more}
                if not more:
                    refill = None
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            group = list(done)
            # Gather a few more for a short while (each group costs a commit and a turn of
            # the archive's lock, shared with every other dispatcher), unless the queue runs
            # low: then record now and refill, or workers would wait idle.
            deadline = time.monotonic() + GROUP_WINDOW_SECONDS
            while pending and len(group) < GROUP_MIN_SIZE and (
                    refill is None or len(pending) > low):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                done, pending = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
                group.extend(done)
            yield [future.result() for future in group]

    def _lease_too_short(self, job: Job) -> bool:
        """Too little lease left to finish a network call before another process may take
        the row over: give it back untouched instead."""
        config = self.adapter(job.network).config
        margin = timedelta(seconds=config.connect_timeout + config.read_timeout
                           + LEASE_MARGIN_SECONDS)
        return job.lease_expires_at is None or utcnow() + margin > job.lease_expires_at

    # -- a round ------------------------------------------------------------------------------

    def run_once(self, now: datetime | None = None) -> DispatchReport:
        """One round: claim a batch, check it, send it with bounded concurrency, record.

        With a thread pool, the next batch is claimed and checked while the last wave of
        sends is still out (up to ``round_batches`` batches), so that no worker waits for
        the slowest send of a batch."""
        with self._run_lock:  # an overlapping scheduler tick waits instead of piling up
            report = DispatchReport()
            claims = self._claim(now or utcnow())
            report.claimed = len(claims)
            if claims:
                self._round(claims, report)
            return report

    def _claim(self, now: datetime) -> list[Claim]:
        with self.make_session() as session:
            return claim_rows(session, now=now, limit=self.settings.batch_size,
                              lease_seconds=self.settings.lease_seconds, worker=self.worker)

    def _round(self, claims: list[Claim], report: DispatchReport) -> None:
        tokens: set[str] = set()
        approvals: dict[int, upstream.Approval] = {}
        jobs = self._prepare(claims, report, tokens, approvals)
        batches = 1

        def refill() -> list[Job]:
            nonlocal batches
            while batches < self.settings.round_batches:
                more = self._claim(utcnow())
                if not more:
                    break
                batches += 1
                report.claimed += len(more)
                ready = self._prepare(more, report, tokens, approvals)
                if ready:
                    return ready
            batches = self.settings.round_batches
            return []

        # Send; record each group of finished sends in one transaction.
        for group in self._map(self._send, jobs, refill):
            self._record(group, tokens, approvals, report)

    def _prepare(self, claims: list[Claim], report: DispatchReport, tokens: set[str],
                 approvals: dict[int, upstream.Approval]) -> list[Job]:
        """Everything before sending: load, reconcile, re-check, tokens. Records what was
        decided on the way; returns the rows to send. Adds this batch's claim tokens and
        approvals to ``tokens`` and ``approvals``."""
        tokens.update(c.token for c in claims)
        reconcile = {c.target_id for c in claims if c.reconcile}
        with self.make_session() as session:
            targets = self._load(session, claims)
            for _ in range(len(claims) - len(targets)):
                report.count("lost")
            account_tokens = self._account_tokens(session, targets.values())
            # 1. Rows that may be out already are looked up (or marked for one resend).
            decided, lookups, go_on = [], [], []
            for target in targets.values():
                if target.id not in reconcile:
                    go_on.append((target, target.resent_for_reconcile))
                    continue
                step = self._reconcile_step(target, account_tokens.get(target.account_id))
                if isinstance(step, Result):
                    decided.append(step)
                elif isinstance(step, Job):
                    lookups.append(step)
                else:
                    go_on.append((target, True))
            session.commit()  # no transaction open across network calls
            for group in self._map(self._lookup, lookups):
                for found in group:
                    target = targets[found.target_id]
                    if found.kind == "not_found":
                        go_on.append((target, False))
                    elif found.kind == "lookup_error" and _refused(found.error):
                        # Fall back to one resend relying on duplicate rejection.
                        if target.resent_for_reconcile:
                            decided.append(_result_for(target, "needs_check", REASON_UNKNOWN))
                        else:
                            go_on.append((target, True))
                    else:
                        decided.append(found)
            # 2. Invariant 3 again, then tokens, for everything that may be sent.
            try:
                checks: Checks | None = Checks(session, [t for t, _ in go_on], utcnow(),
                                               self.config["UPLOAD_FOLDER"])
            except Exception:  # nothing was sent: every row is tried again later
                log.exception("pre-send checks of rows %s failed", [t.id for t, _ in go_on])
                session.rollback()
                checks = None
            jobs, resend = [], []
            for target, maybe_sent in go_on:
                outcome = self._check(checks, target, maybe_sent,
                                      account_tokens.get(target.account_id))
                if isinstance(outcome, Result):
                    decided.append(outcome)
                    continue
                jobs.append(outcome)
                if maybe_sent and not target.resent_for_reconcile:
                    resend.append(target.id)
            session.commit()
        if checks is not None:
            approvals.update(checks.approvals)
        if decided:
            self._record(decided, tokens, approvals, report)
        if resend:
            jobs = self._mark_resend(jobs, set(resend), tokens, report)
        return jobs

    def _load(self, session: Session, claims: list[Claim]) -> dict[int, PublicationTarget]:
        """The claimed rows still carrying this round's claim, with post and account."""
        rows = session.scalars(
            select(T).where(one_of(session, T.id, [c.target_id for c in claims]),
                            T.claimed_by.in_({c.token for c in claims}),
                            T.state == m.PUBLISHING)
            .options(joinedload(T.post), joinedload(T.account))
            .order_by(T.id).execution_options(populate_existing=True)).unique()
        return {t.id: t for t in rows}

    def _account_tokens(self, session: Session, targets: Iterable[PublicationTarget]
                        ) -> dict[int, TokenSet | NetworkError]:
        """Usable tokens per linked account (refreshed first if near expiry), or the error
        that stopped us getting them."""
        found: dict[int, TokenSet | NetworkError] = {}
        for target in targets:
            if target.account_id in found or target.account.status != m.ACTIVE:
                continue
            try:
                found[target.account_id] = fresh_tokens(
                    session, target.account_id, self.adapter(target.network), self.cipher)
            except NetworkError as error:
                session.rollback()
                found[target.account_id] = error
        return found

    def _job(self, target: PublicationTarget, tokens: TokenSet, maybe_sent: bool,
             media: Media | None = None) -> Job:
        return Job(target.id, target.post_id, target.network, target.account.external_id,
                   target.text, target.post.link_url, target.idempotency_key, tokens,
                   target.lease_expires_at, maybe_sent, media)

    def _reconcile_step(self, target: PublicationTarget,
                        tokens: TokenSet | NetworkError | None) -> Result | Job | None:
        """A row that may have been sent: a decision, a lookup to make, or None (it may be
        resent once, relying on the network's duplicate rejection)."""
        adapter = self.adapter(target.network)
        if adapter.supports_lookup and isinstance(tokens, TokenSet):
            return self._job(target, tokens, True)
        if adapter.supports_lookup and isinstance(tokens, NetworkError):
            return Result(target.id, target.post_id, "lookup_error", error=tokens,
                          maybe_sent=True)
        if target.resent_for_reconcile:  # resent once already: the advisor must look
            return _result_for(target, "needs_check", target.last_error or REASON_UNKNOWN)
        return None

    def _check(self, checks: Checks | None, target: PublicationTarget, maybe_sent: bool,
               tokens: TokenSet | NetworkError | None) -> Result | Job:
        adapter = self.adapter(target.network)
        try:
            if checks is None:
                raise RuntimeError("the batch's checks could not be read")
            reason = checks.reason(target, adapter)
        except Exception as error:  # nothing was sent: try again later
            log.exception("pre-send check of row %s failed", target.id)
            return Result(target.id, target.post_id, "not_sent", maybe_sent=maybe_sent,
                          error=NotSent(f"pre-send check failed: {error}"))
        if reason is not None:
            return Result(target.id, target.post_id, "precheck", reason=reason,
                          maybe_sent=maybe_sent)
        if isinstance(tokens, ReauthNeeded):
            return Result(target.id, target.post_id, "reauth", error=tokens,
                          maybe_sent=maybe_sent)
        if isinstance(tokens, NetworkError):  # refresh could not reach the network
            return Result(target.id, target.post_id, "not_sent", error=tokens,
                          maybe_sent=maybe_sent)
        assert tokens is not None and checks is not None  # an active account has either
        return self._job(target, tokens, maybe_sent, checks.media.get(target.post_id))

    def _mark_resend(self, jobs: list[Job], resend: set[int], tokens: set[str],
                     report: DispatchReport) -> list[Job]:
        """Commit "resent once" before the resend: even if we crash during it, there is
        only one. Rows whose claim was lost meanwhile are dropped."""
        with self.make_session() as session:
            marked = set(session.scalars(
                update(T).where(one_of(session, T.id, resend), T.claimed_by.in_(tokens),
                                T.state == m.PUBLISHING)
                .values(resent_for_reconcile=True).returning(T.id)
                .execution_options(synchronize_session=False)))
            for target_id in marked:
                record(session, None, "publication.reconcile_resend",
                       (T.__tablename__, target_id), flush=False)
            session.commit()
        for _ in resend - marked:
            report.count("lost")
        return [j for j in jobs if j.target_id not in resend or j.target_id in marked]

    # -- in the sending threads -------------------------------------------------------------

    def _lookup(self, job: Job) -> Result:
        if self._lease_too_short(job):
            return _result(job, "give_back")
        try:
            found = self.adapter(job.network).lookup(job.tokens, job.external_id,
                                                     job.idempotency_key, job.text)
        except NetworkError as error:
            return _result(job, "lookup_error", error=error)
        except Exception as error:  # noqa: BLE001 - unknown: look again later
            log.exception("lookup of outbox row %s failed", job.target_id)
            return _result(job, "lookup_error", error=OutcomeUnknown(str(error)))
        if found is None:
            return _result(job, "not_found")
        return _result(job, "published", result=found)

    def _send(self, job: Job) -> Result:
        if self._lease_too_short(job):
            return _result(job, "give_back")
        try:
            result = self.adapter(job.network).publish(job.tokens, job.external_id, job.text,
                                                       job.link_url, job.idempotency_key,
                                                       media=job.media)
        except NetworkError as error:
            return _result(job, "send_error", error=error)
        except Exception as error:  # noqa: BLE001 - the request may have gone out
            log.exception("sending outbox row %s failed", job.target_id)
            return _result(job, "send_error", error=OutcomeUnknown(str(error)))
        return _result(job, "published", result=result)

    # -- recording ----------------------------------------------------------------------------

    def _record(self, results: list[Result], tokens: set[str],
                approvals: dict[int, upstream.Approval], report: DispatchReport) -> None:
        """Record a group of results in one transaction, row by row only where we still
        hold the claim. If the transaction fails, the rows stay ``publishing`` and are
        reconciled after their lease (never resent blindly)."""
        with self.make_session() as session:
            try:
                write = Write(session, approvals)
                targets = write.hold_claims(results, tokens)
                outcomes = []
                for result in results:
                    target = targets.get(result.target_id)
                    if target is None:
                        log.warning("outbox row %s: claim lost before recording",
                                    result.target_id)
                        outcomes.append("lost")
                        continue
                    outcomes.append(self._apply(write, target, result))
                    write.posts.add(target.post_id)
                write.finish()
                session.commit()
            except Exception:
                session.rollback()
                log.exception("recording outbox rows %s failed",
                              [r.target_id for r in results])
                outcomes = ["error"] * len(results)
        for outcome in outcomes:
            report.count(outcome)

    def _apply(self, w: Write, target: PublicationTarget, r: Result) -> str:
        if r.kind == "published":
            assert r.result is not None
            return self._published(w, target, r.result)
        if r.kind == "give_back":
            return self._give_back(w, target)
        if r.kind == "needs_check":
            return self._needs_check(w, target, r.reason or REASON_UNKNOWN)
        if r.kind == "precheck":
            reason = r.reason or REASON_UNKNOWN
            if reason == "held":
                set_target_state(w.session, target, m.HELD, error=REASON_ACCOUNT,
                                 failure_class=m.OUTCOME_UNKNOWN if r.maybe_sent else m.REAUTH)
                return "held"
            if r.maybe_sent or target.resent_for_reconcile:  # it may be out: ask the advisor
                return self._needs_check(w, target, reason)
            return self._cancel(w, target, reason)
        assert r.error is not None
        if r.kind == "lookup_error":
            return self._after_lookup_error(w, target, r.error)
        if r.kind == "reauth":
            return self._reauth(w, target, r.error, sent_maybe=r.maybe_sent)
        if r.kind == "not_sent":
            if r.maybe_sent and not target.resent_for_reconcile:
                # Back in the queue as a resend that relies on duplicate rejection.
                self._mark_resent(w, target)
            return self._not_sent(w, target, r.error)
        return self._after_error(w, target, r.error)

    def _mark_resent(self, w: Write, target: PublicationTarget) -> None:
        target.resent_for_reconcile = True
        record(w.session, None, "publication.reconcile_resend", target, flush=False)

    def _after_error(self, w: Write, target: PublicationTarget, error: NetworkError) -> str:
        if isinstance(error, Duplicate):  # the network already has it: published
            return self._published(w, target, PublishResult(
                error.existing_post_id or "", error.existing_post_url))
        if isinstance(error, NotSent):
            return self._not_sent(w, target, error)
        if isinstance(error, OutcomeUnknown):
            if target.resent_for_reconcile and not self.adapter(target.network).supports_lookup:
                return self._needs_check(w, target, error.message or str(error))
            return self._unknown(w, target, error)
        if isinstance(error, ReauthNeeded):
            return self._reauth(w, target, error, sent_maybe=False)
        return self._fail(w, target, m.PERMANENT, error.message or str(error))

    def _after_lookup_error(self, w: Write, target: PublicationTarget,
                            error: NetworkError) -> str:
        if isinstance(error, ReauthNeeded):
            return self._reauth(w, target, error, sent_maybe=True)
        if isinstance(error, NotSent | OutcomeUnknown):
            return self._unknown(w, target, error)
        return self._needs_check(w, target, error.message or REASON_UNKNOWN)

    # -- outcomes -----------------------------------------------------------------------------

    def _published(self, w: Write, target: PublicationTarget, result: PublishResult) -> str:
        post = target.post
        now = utcnow()
        target.network_post_id = result.post_id or None
        target.network_post_url = result.post_url
        target.published_at = now
        target.last_error = None
        set_target_state(w.session, target, m.PUBLISHED, flush=False)
        target.failure_class = None
        approval = w.approval(target.review_id)
        if post.library_version_id is not None or post.template_id is not None:
            upstream.record_use(w.session, version_id=post.library_version_id,
                                template_id=post.template_id, advisor_id=post.author_id,
                                network=target.network, published_at=now,
                                post_url=target.network_post_url)
        if target.review_id is not None:
            w.used_reviews.add(target.review_id)
        w.archive.append(({
            "post_id": post.id, "target_id": target.id, "advisor_id": post.author_id,
            "account_id": target.account_id, "network": target.network, "text": target.text,
            "link_url": post.link_url, "media_sha256": post.media_sha256,
            "content_hash": target.content_hash, "review_id": target.review_id,
            "approved_by_id": approval.approved_by_id if approval else None,
            "network_post_id": target.network_post_id,
            "network_post_url": target.network_post_url, "published_at": now.isoformat(),
        }, post.author_id))
        return "published"

    def _not_sent(self, w: Write, target: PublicationTarget, error: NetworkError) -> str:
        if target.attempts >= self.settings.max_attempts:
            return self._fail(w, target, m.NOT_SENT, error.message or str(error))
        delay = backoff_delay(target.attempts, self.settings.backoff_seconds,
                              getattr(error, "retry_after", None))
        target.due_at = utcnow() + timedelta(seconds=delay)
        set_target_state(w.session, target, m.SCHEDULED, failure_class=m.NOT_SENT,
                         error=error.message or str(error), flush=False)
        return "retry"

    def _unknown(self, w: Write, target: PublicationTarget, error: NetworkError) -> str:
        """Maybe sent: keep the row ``publishing`` and reconcile it after a delay (a slow
        network may still be acting on the request)."""
        if target.attempts >= self.settings.max_attempts:
            return self._needs_check(w, target, error.message or str(error))
        before = {"state": target.state, "failure_class": target.failure_class}
        target.failure_class = m.OUTCOME_UNKNOWN
        target.last_error = (error.message or str(error))[:2000]
        target.claimed_by = None
        target.lease_expires_at = utcnow() + timedelta(
            seconds=self.settings.reconcile_delay_seconds)
        record(w.session, None, "publication.outcome_unknown", target, before,
               {"state": target.state, "failure_class": target.failure_class,
                "error": target.last_error}, flush=False)
        return "unknown"

    def _reauth(self, w: Write, target: PublicationTarget, error: NetworkError, *,
                sent_maybe: bool) -> str:
        mark_relink_needed(w.session, target.account, error.message or str(error))
        set_target_state(w.session, target, m.HELD,
                         failure_class=m.OUTCOME_UNKNOWN if sent_maybe else m.REAUTH,
                         error=error.message or str(error))
        return "held"

    def _fail(self, w: Write, target: PublicationTarget, failure_class: str,
              message: str) -> str:
        set_target_state(w.session, target, m.FAILED, failure_class=failure_class,
                         error=message)
        self._tell(w, target, N_("Your post to %(network)s (%(account)s) failed: "
                                 "%(reason)s"), message)
        return "failed"

    def _cancel(self, w: Write, target: PublicationTarget, reason: str) -> str:
        set_target_state(w.session, target, m.CANCELLED, failure_class=m.PRECHECK,
                         error=reason)
        self._tell(w, target, N_("Your post to %(network)s (%(account)s) was cancelled "
                                 "before sending: %(reason)s"), reason)
        return "cancelled"

    def _needs_check(self, w: Write, target: PublicationTarget, reason: str) -> str:
        set_target_state(w.session, target, m.NEEDS_CHECK, failure_class=m.OUTCOME_UNKNOWN,
                         error=reason)
        self._tell(w, target, N_("We could not confirm whether your post to "
                                 "%(network)s (%(account)s) was published; please "
                                 "check it there: %(reason)s"), reason)
        return "needs_check"

    def _give_back(self, w: Write, target: PublicationTarget) -> str:
        """Untouched, for a later round: a row that may be out goes back to reconciliation
        (``publishing`` with no lease), any other to the queue."""
        if target.attempts >= self.settings.max_attempts * 3:  # a stuck row: ask a human
            return self._needs_check(w, target, REASON_UNKNOWN)
        maybe_out = target.resent_for_reconcile or target.failure_class == m.OUTCOME_UNKNOWN
        target.claimed_by = None
        target.lease_expires_at = None
        if not maybe_out:
            target.state = m.SCHEDULED
        return "given_back"

    def _tell(self, w: Write, target: PublicationTarget, message: str, reason: str) -> None:
        notify(w.session, target.post.author, message,
               {"network": target.network, "account": target.account.display_name,
                "reason": reason}, f"/publishing/posts/{target.post_id}")
