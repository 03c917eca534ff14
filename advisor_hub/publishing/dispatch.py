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

Failures are handled by class (``advisor_hub.networks.errors``): not sent → retry with
exponential backoff and jitter, honouring Retry-After, up to a maximum; outcome unknown →
reconcile; re-auth → account "relink needed", rows held; permanent → failed.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, joinedload, sessionmaker

from advisor_hub.archive.services import append_record
from advisor_hub.audit.services import record
from advisor_hub.content_hash import content_hash
from advisor_hub.db import utcnow
from advisor_hub.networks import (
    Duplicate,
    NetworkAdapter,
    NetworkError,
    NotSent,
    OutcomeUnknown,
    PublishResult,
    ReauthNeeded,
    TokenCipher,
    TokenSet,
)
from advisor_hub.notifications.services import N_, notify
from advisor_hub.publishing import models as m
from advisor_hub.publishing import upstream
from advisor_hub.publishing.connect import adapter_for, networks_available, token_cipher
from advisor_hub.publishing.linking import mark_relink_needed
from advisor_hub.publishing.models import LinkedAccount, PublicationTarget
from advisor_hub.publishing.outbox import lock_post, set_target_state, settle_post
from advisor_hub.publishing.tokens import fresh_tokens

log = logging.getLogger(__name__)

T = PublicationTarget
MAX_BACKOFF_SECONDS = 3600.0
LEASE_MARGIN_SECONDS = 1.0

# Reasons a row is cancelled at publish time (invariant 3); shown translated to the advisor.
REASON_ACCOUNT = N_("The account is no longer linked.")
REASON_APPROVAL = N_("The approval of this post no longer stands.")
REASON_HASH = N_("The content differs from what was approved.")
REASON_TOO_LONG = N_("The text is too long for this network.")
REASON_POLICY = N_("The compliance policy now blocks this text.")
REASON_LIBRARY = N_("The library item is no longer available: %(reason)s")


@dataclass(frozen=True)
class DispatchSettings:
    workers: int = 8
    batch_size: int = 100
    lease_seconds: int = 120
    max_attempts: int = 6
    backoff_seconds: float = 30.0
    reconcile_delay_seconds: float = 30.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DispatchSettings:
        return cls(
            workers=int(config.get("DISPATCH_WORKERS", 8)),
            batch_size=int(config.get("DISPATCH_BATCH_SIZE", 100)),
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
                session.execute(update(T).where(T.id.in_(ids)).values(**values)
                                .execution_options(synchronize_session=False))
        else:
            chosen = select(T.id).where(condition).order_by(order, T.id).limit(room)
            session.execute(update(T).where(condition, T.id.in_(chosen.scalar_subquery()))
                            .values(**values).execution_options(synchronize_session=False))
            ids = list(session.scalars(select(T.id).where(T.claimed_by == tokens[reconcile])))
        claims.extend(Claim(i, tokens[reconcile], reconcile) for i in ids)
    session.commit()
    return claims


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
            self._local.http = requests.Session()
        if network not in adapters:
            adapters[network] = adapter_for(self.config, network, http=self._local.http)
        return adapters[network]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def run_once(self, now: datetime | None = None) -> DispatchReport:
        """One round: claim a batch and process it with bounded concurrency."""
        with self._run_lock:  # an overlapping scheduler tick waits instead of piling up
            report = DispatchReport()
            with self.make_session() as session:
                claims = claim_rows(session, now=now or utcnow(),
                                    limit=self.settings.batch_size,
                                    lease_seconds=self.settings.lease_seconds,
                                    worker=self.worker)
            report.claimed = len(claims)
            if self.settings.workers <= 1 or len(claims) <= 1:
                for claim in claims:
                    report.count(self.process(claim))
            else:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.settings.workers,
                                                    thread_name_prefix="dispatch")
                for outcome in self._pool.map(self.process, claims):
                    report.count(outcome)
            return report

    def process(self, claim: Claim) -> str:
        """Handle one claimed row in its own session; any surprise leaves the row to be
        reconciled after its lease (never to a blind resend)."""
        with self.make_session() as session:
            try:
                outcome = self._process(session, claim)
                session.commit()
                return outcome
            except Exception:
                session.rollback()
                log.exception("dispatching outbox row %s failed", claim.target_id)
                return "error"

    # -- one row ------------------------------------------------------------------------------

    def _load(self, session: Session, claim: Claim) -> PublicationTarget | None:
        target = session.get(T, claim.target_id, populate_existing=True,
                             options=[joinedload(T.post), joinedload(T.account)])
        if target is None or target.claimed_by != claim.token or target.state != m.PUBLISHING:
            return None
        return target

    def _begin_write(self, session: Session, target: PublicationTarget) -> bool:
        """End any read transaction, then open a write one that starts by re-asserting our
        claim. No transaction stays open across a network call, and on SQLite the write
        lock is taken first (a read-then-write transaction could fail on a stale snapshot).
        False if the claim was lost (the row belongs to someone else now)."""
        session.commit()
        if session.get_bind().dialect.name == "postgresql":
            # The post's lock first: each later UPDATE of the row re-checks its foreign key
            # (KEY SHARE on the post); two rows of one post upgrading that to the post's
            # FOR UPDATE would deadlock.
            self._local.locked_post = lock_post(session, target.post_id)
        else:
            self._local.locked_post = None
        result = session.execute(
            update(T).where(T.id == target.id, T.claimed_by == target.claimed_by,
                            T.state == m.PUBLISHING)
            .values(updated_at=utcnow()).execution_options(synchronize_session=False))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            log.warning("outbox row %s: claim lost before recording", target.id)
            return False
        return True

    def _process(self, session: Session, claim: Claim) -> str:
        target = self._load(session, claim)
        if target is None:
            return "lost"
        adapter = self.adapter(target.network)
        now = utcnow()
        if claim.reconcile:
            outcome = self._reconcile(session, target, adapter, now)
            if outcome != "send":
                return outcome
        try:
            reason = self._precheck(session, target, adapter, now)
        except Exception as error:  # nothing was sent: try again later
            log.exception("pre-send check of row %s failed", target.id)
            session.rollback()
            if not self._begin_write(session, target):
                return "lost"
            return self._not_sent(session, target, NotSent(f"pre-send check failed: {error}"))
        if reason is not None:
            if not self._begin_write(session, target):
                return "lost"
            if reason == "held":
                set_target_state(session, target, m.HELD, failure_class=m.REAUTH,
                                 error=REASON_ACCOUNT)
                settle_post(session, target.post_id)
                return "held"
            if target.resent_for_reconcile:  # it may be out already: the advisor must look
                return self._needs_check(session, target, reason)
            return self._cancel(session, target, reason)
        timeouts = adapter.config.connect_timeout + adapter.config.read_timeout
        lease = target.lease_expires_at
        if lease is None or utcnow() + timedelta(seconds=timeouts + LEASE_MARGIN_SECONDS) > lease:
            # Too little lease left to finish a send safely; give the row back untouched.
            if not self._begin_write(session, target):
                return "lost"
            return self._give_back(session, target, claim.reconcile)
        session.commit()  # no transaction open across network calls
        try:
            tokens = fresh_tokens(session, target.account_id, adapter, self.cipher)
        except ReauthNeeded as error:
            session.rollback()
            if not self._begin_write(session, target):
                return "lost"
            return self._reauth(session, target, error, sent_maybe=claim.reconcile)
        except NetworkError as error:  # refresh could not reach the network: nothing sent
            session.rollback()
            if not self._begin_write(session, target):
                return "lost"
            return self._not_sent(session, target, error)
        return self._send(session, target, adapter, tokens)

    def _precheck(self, session: Session, target: PublicationTarget, adapter: NetworkAdapter,
                  now: datetime) -> str | None:
        """Invariant 3: a reason to cancel, "held", or None when the row may go out."""
        post = target.post
        account = session.get(LinkedAccount, target.account_id)
        assert account is not None
        if account.status == m.RELINK_NEEDED:
            return "held"
        if account.status != m.ACTIVE:
            return REASON_ACCOUNT
        approval = upstream.get_approval(session, target.review_id)
        self._local.approval = approval
        if approval is None or not approval.stands:
            return REASON_APPROVAL
        exact = content_hash(target.text, post.link_url, post.media_sha256)
        if approval.content_hash != exact or target.content_hash != exact:
            return REASON_HASH
        if post.library_version_id is not None:
            ok, why = upstream.is_version_publishable(
                session, version_id=post.library_version_id, now=now)
            if not ok:
                return REASON_LIBRARY % {"reason": why or "retired"}
        if post.template_id is not None:
            ok, why = upstream.is_template_publishable(
                session, template_id=post.template_id, now=now)
            if not ok:
                return REASON_LIBRARY % {"reason": why or "retired"}
        if not adapter.fits(target.text, post.link_url):
            return REASON_TOO_LONG
        if upstream.screen_text(session, target.text, link_url=post.link_url).blocked:
            return REASON_POLICY
        return None

    def _send(self, session: Session, target: PublicationTarget, adapter: NetworkAdapter,
              tokens: TokenSet) -> str:
        account = target.account
        try:
            result = adapter.publish(tokens, account.external_id, target.text,
                                     target.post.link_url, target.idempotency_key)
        except NetworkError as error:
            if not self._begin_write(session, target):
                return "lost"
            return self._after_error(session, target, error)
        if not self._begin_write(session, target):
            return "lost"
        return self._published(session, target, result)

    def _after_error(self, session: Session, target: PublicationTarget,
                     error: NetworkError) -> str:
        if isinstance(error, Duplicate):  # the network already has it: published
            return self._published(session, target, PublishResult(
                error.existing_post_id or "", error.existing_post_url))
        if isinstance(error, NotSent):
            return self._not_sent(session, target, error)
        if isinstance(error, OutcomeUnknown):
            if target.resent_for_reconcile and not self.adapter(target.network).supports_lookup:
                return self._needs_check(session, target, error.message or str(error))
            return self._unknown(session, target, error)
        if isinstance(error, ReauthNeeded):
            return self._reauth(session, target, error, sent_maybe=False)
        return self._fail(session, target, m.PERMANENT, error.message or str(error))

    def _reconcile(self, session: Session, target: PublicationTarget, adapter: NetworkAdapter,
                   now: datetime) -> str:
        """The row may have been sent: find out before anything is resent.

        Returns "send" when a (re)send is safe, else what was decided.
        """
        if adapter.supports_lookup:
            session.commit()  # no transaction open across network calls
            try:
                tokens = fresh_tokens(session, target.account_id, adapter, self.cipher)
                found = adapter.lookup(tokens, target.account.external_id,
                                       target.idempotency_key, target.text)
            except NetworkError as error:
                if not self._begin_write(session, target):
                    return "lost"
                return self._after_lookup_error(session, target, error)
            if not self._begin_write(session, target):
                return "lost"
            if found is not None:
                return self._published(session, target, found)
            return "send"
        if not self._begin_write(session, target):
            return "lost"
        if target.resent_for_reconcile:
            return self._needs_check(session, target, target.last_error or REASON_UNKNOWN)
        # Commit the mark first: even if we crash during the resend, there is only one.
        target.resent_for_reconcile = True
        record(session, None, "publication.reconcile_resend", target)
        session.commit()
        return "send"

    def _after_lookup_error(self, session: Session, target: PublicationTarget,
                            error: NetworkError) -> str:
        if isinstance(error, ReauthNeeded):
            return self._reauth(session, target, error, sent_maybe=True)
        if isinstance(error, NotSent | OutcomeUnknown):
            return self._unknown(session, target, error)
        # The lookup itself was refused: fall back to one resend and duplicate rejection.
        if target.resent_for_reconcile:
            return self._needs_check(session, target, REASON_UNKNOWN)
        target.resent_for_reconcile = True
        record(session, None, "publication.reconcile_resend", target)
        session.commit()
        return "send"

    # -- outcomes -----------------------------------------------------------------------------

    def _published(self, session: Session, target: PublicationTarget,
                   result: PublishResult) -> str:
        post = target.post
        now = utcnow()
        target.network_post_id = result.post_id or None
        target.network_post_url = result.post_url
        target.published_at = now
        target.last_error = None
        set_target_state(session, target, m.PUBLISHED)
        target.failure_class = None
        approval = getattr(self._local, "approval", None)
        if approval is None or approval.review_id != target.review_id:
            approval = upstream.get_approval(session, target.review_id)
        self._local.approval = None
        if post.library_version_id is not None or post.template_id is not None:
            upstream.record_use(session, version_id=post.library_version_id,
                                template_id=post.template_id, advisor_id=post.author_id,
                                network=target.network, published_at=now,
                                post_url=target.network_post_url)
        upstream.mark_used(session, review_id=target.review_id, at=now)
        # _begin_write (always just before, same transaction) locked and re-read the post.
        locked, self._local.locked_post = getattr(self._local, "locked_post", None), None
        settle_post(session, post.id, locked=locked)
        # Last: the archive serialises its appends (a chain), so hold its lock briefly.
        append_record(session, kind="publication", actor_id=post.author_id, payload={
            "post_id": post.id, "target_id": target.id, "advisor_id": post.author_id,
            "account_id": target.account_id, "network": target.network, "text": target.text,
            "link_url": post.link_url, "media_sha256": post.media_sha256,
            "content_hash": target.content_hash, "review_id": target.review_id,
            "approved_by_id": approval.approved_by_id if approval else None,
            "network_post_id": target.network_post_id,
            "network_post_url": target.network_post_url, "published_at": now.isoformat(),
        })
        return "published"

    def _not_sent(self, session: Session, target: PublicationTarget, error: NetworkError) -> str:
        if target.attempts >= self.settings.max_attempts:
            return self._fail(session, target, m.NOT_SENT, error.message or str(error))
        delay = backoff_delay(target.attempts, self.settings.backoff_seconds,
                              getattr(error, "retry_after", None))
        target.due_at = utcnow() + timedelta(seconds=delay)
        set_target_state(session, target, m.SCHEDULED, failure_class=m.NOT_SENT,
                         error=error.message or str(error))
        return "retry"

    def _unknown(self, session: Session, target: PublicationTarget, error: NetworkError) -> str:
        """Maybe sent: keep the row ``publishing`` and reconcile it after a delay (a slow
        network may still be acting on the request)."""
        if target.attempts >= self.settings.max_attempts:
            return self._needs_check(session, target, error.message or str(error))
        before = {"state": target.state, "failure_class": target.failure_class}
        target.failure_class = m.OUTCOME_UNKNOWN
        target.last_error = (error.message or str(error))[:2000]
        target.claimed_by = None
        target.lease_expires_at = utcnow() + timedelta(
            seconds=self.settings.reconcile_delay_seconds)
        record(session, None, "publication.outcome_unknown", target, before,
               {"state": target.state, "failure_class": target.failure_class,
                "error": target.last_error})
        return "unknown"

    def _reauth(self, session: Session, target: PublicationTarget, error: NetworkError, *,
                sent_maybe: bool) -> str:
        account = session.get(LinkedAccount, target.account_id)
        assert account is not None
        mark_relink_needed(session, account, error.message or str(error))
        set_target_state(session, target, m.HELD,
                         failure_class=m.OUTCOME_UNKNOWN if sent_maybe else m.REAUTH,
                         error=error.message or str(error))
        settle_post(session, target.post_id)
        return "held"

    def _fail(self, session: Session, target: PublicationTarget, failure_class: str,
              message: str) -> str:
        set_target_state(session, target, m.FAILED, failure_class=failure_class, error=message)
        self._tell(session, target, N_("Your post to %(network)s (%(account)s) failed: "
                                       "%(reason)s"), message)
        settle_post(session, target.post_id)
        return "failed"

    def _cancel(self, session: Session, target: PublicationTarget, reason: str) -> str:
        set_target_state(session, target, m.CANCELLED, failure_class=m.PRECHECK, error=reason)
        self._tell(session, target, N_("Your post to %(network)s (%(account)s) was cancelled "
                                       "before sending: %(reason)s"), reason)
        settle_post(session, target.post_id)
        return "cancelled"

    def _needs_check(self, session: Session, target: PublicationTarget, reason: str) -> str:
        set_target_state(session, target, m.NEEDS_CHECK, failure_class=m.OUTCOME_UNKNOWN,
                         error=reason)
        self._tell(session, target, N_("We could not confirm whether your post to "
                                       "%(network)s (%(account)s) was published; please "
                                       "check it there: %(reason)s"), reason)
        settle_post(session, target.post_id)
        return "needs_check"

    def _give_back(self, session: Session, target: PublicationTarget, reconcile: bool) -> str:
        if target.attempts >= self.settings.max_attempts * 3:  # a stuck row: ask a human
            return self._needs_check(session, target, REASON_UNKNOWN)
        target.claimed_by = None
        if reconcile:
            target.lease_expires_at = None  # reconcile again next round
        else:
            target.state = m.SCHEDULED
            target.lease_expires_at = None
        return "given_back"

    def _tell(self, session: Session, target: PublicationTarget, message: str,
              reason: str) -> None:
        notify(session, target.post.author, message,
               {"network": target.network, "account": target.account.display_name,
                "reason": reason}, f"/publishing/posts/{target.post_id}")


REASON_UNKNOWN = N_("The network did not confirm the publication.")
