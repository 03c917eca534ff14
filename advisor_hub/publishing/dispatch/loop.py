"""The dispatch loop: claim due outbox rows, re-check them, send them, record what happened.

A round works on its whole claimed batch: one query loads it, the publish-time checks
(invariant 3, ``checks``) read each approval, library version and text once, tokens are
read once per account, and results are recorded as sends finish (``record``). No ORM object
crosses into the sending threads: they get plain values and return plain results.

A row is sent only while its lease outlasts the adapter's connect + read timeouts (by the
monotonic clock, ``clock.LeaseClock``), so a lease can only expire after its send has
finished or its process has died. A row found ``publishing`` with an expired lease, or whose
send ended with an unknown outcome, is reconciled before any resend (``reconcile``): looked
up by idempotency key where the network allows, and resent (same key, marked) only once
"absent" is believed, or resent exactly once relying on the network's duplicate rejection,
else marked ``needs_check`` for the advisor. Every "now" compared with a stored time is the
database's (``clock``).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from advisor_hub.connectors.gate import Gate
from advisor_hub.db_limits import limited_sessions
from advisor_hub.networks import (
    Media,
    NetworkAdapter,
    NetworkError,
    NotSent,
    OutcomeUnknown,
    ReauthNeeded,
    TokenCipher,
    TokenSet,
)
from advisor_hub.networks.base import http_session
from advisor_hub.publishing import upstream
from advisor_hub.publishing.clock import LeaseClock, read_db_now
from advisor_hub.publishing.connect import adapter_for, networks_available, token_cipher
from advisor_hub.publishing.dispatch import reconcile
from advisor_hub.publishing.dispatch.checks import Checks
from advisor_hub.publishing.dispatch.claim import Claim, claim_rows, load_claimed
from advisor_hub.publishing.dispatch.outcomes import (
    DispatchReport,
    Job,
    Outcome,
    Result,
    Step,
    result_for,
    result_of,
)
from advisor_hub.publishing.dispatch.record import Recorder
from advisor_hub.publishing.dispatch.settings import LEASE_MARGIN_SECONDS, DispatchSettings
from advisor_hub.publishing.models import AccountStatus, PublicationTarget
from advisor_hub.publishing.tokens import fresh_tokens

log = logging.getLogger(__name__)

GROUP_MIN_SIZE = 25  # finished sends recorded per transaction, unless ...
GROUP_WINDOW_SECONDS = 0.05  # ... waiting longer than this for them
REFILL_WAVES = 2  # claim the next batch when no more than this many waves of sends are left


def _refused(error: NetworkError | None) -> bool:
    """The network refused the lookup itself (as opposed to: unreachable, unknown, or our
    authorisation is gone)."""
    return not isinstance(error, ReauthNeeded | NotSent | OutcomeUnknown)


class Dispatcher:
    """Claims and sends; one per process (the scheduler job or a worker process)."""

    def __init__(self, make_session: sessionmaker[Session], config: Mapping[str, Any],
                 settings: DispatchSettings | None = None, worker: str | None = None) -> None:
        # Its transactions give up on a held lock or a hung statement (db_limits).
        self.make_session = limited_sessions(make_session, config)
        self.config = dict(config)
        self.settings = settings or DispatchSettings.from_config(config)
        self.worker = worker or f"w{uuid.uuid4().hex[:8]}"
        self.cipher: TokenCipher = token_cipher(self.config)
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None
        self._run_lock = threading.Lock()
        self._check_lease()
        self.recorder = Recorder(self.make_session, self.settings, self.adapter, self.config)

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
        margin = config.connect_timeout + config.read_timeout + LEASE_MARGIN_SECONDS
        return job.lease.left() < margin

    # -- a round ------------------------------------------------------------------------------

    def run_once(self) -> DispatchReport:
        """One round: claim a batch, check it, send it with bounded concurrency, record.

        With a thread pool, the next batch is claimed and checked while the last wave of
        sends is still out (up to ``round_batches`` batches), so that no worker waits for
        the slowest send of a batch."""
        with self._run_lock:  # an overlapping scheduler tick waits instead of piling up
            report = DispatchReport()
            claims = self._claim()
            report.claimed = len(claims)
            if claims:
                self._round(claims, report)
            return report

    def _claim(self) -> list[Claim]:
        with self.make_session() as session:
            return claim_rows(session, limit=self.settings.batch_size,
                              lease_seconds=self.settings.lease_seconds, worker=self.worker)

    def _round(self, claims: list[Claim], report: DispatchReport) -> None:
        tokens: set[str] = set()
        approvals: dict[int, upstream.Approval] = {}
        jobs = self._prepare(claims, report, tokens, approvals)
        batches = 1

        def refill() -> list[Job]:
            nonlocal batches
            while batches < self.settings.round_batches:
                more = self._claim()
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
            self.recorder.record(group, tokens, approvals, report)

    def _prepare(self, claims: list[Claim], report: DispatchReport, tokens: set[str],
                 approvals: dict[int, upstream.Approval]) -> list[Job]:
        """Everything before sending: load, reconcile, re-check, tokens. Records what was
        decided on the way; returns the rows to send. Adds this batch's claim tokens and
        approvals to ``tokens`` and ``approvals``."""
        tokens.update(c.token for c in claims)
        reconcile_ids = {c.target_id for c in claims if c.reconcile}
        leases = {c.target_id: c.lease for c in claims}
        with self.make_session() as session:
            targets = load_claimed(session, claims)
            for _ in range(len(claims) - len(targets)):
                report.count(Outcome.LOST)
            now = read_db_now(session)
            account_tokens = self._account_tokens(session, targets.values())
            # 1. Rows that may be out already are looked up (or waited for, or resent once).
            decided: list[Result] = []
            lookups: list[Job] = []
            go_on: list[tuple[PublicationTarget, bool]] = []
            resend: set[int] = set()

            def decide(target: PublicationTarget, decision: reconcile.Decision) -> None:
                if decision.verdict is reconcile.Verdict.RESEND:
                    go_on.append((target, True))
                    resend.add(target.id)
                elif decision.verdict is reconcile.Verdict.WAIT:
                    decided.append(result_for(target, Step.AWAIT_ABSENT))
                else:
                    decided.append(result_for(target, Step.NEEDS_CHECK,
                                              reason=decision.reason))

            for target in targets.values():
                if target.id not in reconcile_ids:
                    go_on.append((target, target.resent_for_reconcile))
                    continue
                step = self._reconcile_step(target, account_tokens.get(target.account_id),
                                            leases[target.id])
                if isinstance(step, Result):
                    decided.append(step)
                elif isinstance(step, Job):
                    lookups.append(step)
                else:
                    decide(target, reconcile.without_lookup(
                        target, self.adapter(target.network), now))
            session.commit()  # no transaction open across network calls
            for group in self._map(self._lookup, lookups):
                for found in group:
                    target = targets[found.target_id]
                    adapter = self.adapter(target.network)
                    if found.step is Step.NOT_FOUND:
                        decide(target, reconcile.after_absent(target, adapter, now,
                                                              self.settings))
                    elif found.step is Step.LOOKUP_ERROR and _refused(found.error):
                        # Fall back to one resend relying on duplicate rejection.
                        decide(target, reconcile.without_lookup(target, adapter, now))
                    else:
                        decided.append(found)
            # 2. Invariant 3 again, then tokens, for everything that may be sent; then the
            # network's rules (an app-wide hold, the X cap, the shared rate buckets).
            gate: Gate | None = None
            try:
                checks: Checks | None = Checks(session, [t for t, _ in go_on], now,
                                               self.config["UPLOAD_FOLDER"])
                gate = Gate(session, self.config, read_db_now(session))
            except Exception:  # nothing was sent: every row is tried again later
                log.exception("pre-send checks of rows %s failed", [t.id for t, _ in go_on])
                session.rollback()
                checks = None
            jobs = []
            for target, maybe_sent in go_on:
                outcome = self._check(checks, target, maybe_sent,
                                      account_tokens.get(target.account_id),
                                      leases[target.id])
                if isinstance(outcome, Job):
                    assert gate is not None  # checks passed: the gate was built with them
                    verdict = gate.verdict(target)
                    if verdict.hold_id is not None:
                        outcome = result_for(target, Step.APP_HOLD, hold_id=verdict.hold_id,
                                             maybe_sent=maybe_sent)
                    elif verdict.wait_until is not None:
                        outcome = result_for(target, Step.WAIT, retry_at=verdict.wait_until,
                                             maybe_sent=maybe_sent)
                if isinstance(outcome, Result):
                    decided.append(outcome)
                    resend.discard(target.id)
                    continue
                jobs.append(outcome)
            session.commit()
        if checks is not None:
            approvals.update(checks.approvals)
        if decided:
            self.recorder.record(decided, tokens, approvals, report)
        if resend:
            jobs = self.recorder.mark_resend(jobs, resend, tokens, report)
        return jobs

    def _account_tokens(self, session: Session, targets: Iterable[PublicationTarget]
                        ) -> dict[int, TokenSet | NetworkError]:
        """Usable tokens per linked account (refreshed first if near expiry), or the error
        that stopped us getting them."""
        found: dict[int, TokenSet | NetworkError] = {}
        for target in targets:
            if target.account_id in found or target.account.status != AccountStatus.ACTIVE:
                continue
            try:
                found[target.account_id] = fresh_tokens(
                    session, target.account_id, self.adapter(target.network), self.cipher)
            except NetworkError as error:
                session.rollback()
                found[target.account_id] = error
        return found

    def _job(self, target: PublicationTarget, tokens: TokenSet, maybe_sent: bool,
             lease: LeaseClock, media: Media | None = None) -> Job:
        return Job(target.id, target.post_id, target.network, target.account.external_id,
                   target.text, target.post.link_url, target.idempotency_key, tokens,
                   lease, maybe_sent, media)

    def _reconcile_step(self, target: PublicationTarget,
                        tokens: TokenSet | NetworkError | None,
                        lease: LeaseClock) -> Result | Job | None:
        """A row that may have been sent: a decision, a lookup to make, or None (no lookup:
        ``reconcile.without_lookup`` decides)."""
        adapter = self.adapter(target.network)
        if adapter.supports_lookup and isinstance(tokens, TokenSet):
            return self._job(target, tokens, True, lease)
        if adapter.supports_lookup and isinstance(tokens, NetworkError):
            return result_for(target, Step.LOOKUP_ERROR, error=tokens)
        return None

    def _check(self, checks: Checks | None, target: PublicationTarget, maybe_sent: bool,
               tokens: TokenSet | NetworkError | None, lease: LeaseClock) -> Result | Job:
        adapter = self.adapter(target.network)
        try:
            if checks is None:
                raise RuntimeError("the batch's checks could not be read")
            verdict = checks.check(target, adapter)
        except Exception as error:  # nothing was sent: try again later
            log.exception("pre-send check of row %s failed", target.id)
            return result_for(target, Step.NOT_SENT, maybe_sent=maybe_sent,
                              error=NotSent(f"pre-send check failed: {error}"))
        if verdict.hold:
            return result_for(target, Step.HOLD, reason=verdict.reason, maybe_sent=maybe_sent)
        if not verdict.ok:
            return result_for(target, Step.REFUSED, reason=verdict.reason,
                              maybe_sent=maybe_sent)
        if isinstance(tokens, ReauthNeeded):
            return result_for(target, Step.REAUTH, error=tokens, maybe_sent=maybe_sent)
        if isinstance(tokens, NetworkError):  # refresh could not reach the network
            return result_for(target, Step.NOT_SENT, error=tokens, maybe_sent=maybe_sent)
        assert tokens is not None and checks is not None  # an active account has either
        return self._job(target, tokens, maybe_sent, lease, checks.media.get(target.post_id))

    # -- in the sending threads -------------------------------------------------------------

    def _lookup(self, job: Job) -> Result:
        if self._lease_too_short(job):
            return result_of(job, Step.GIVE_BACK)
        try:
            found = self.adapter(job.network).lookup(job.tokens, job.external_id,
                                                     job.idempotency_key, job.text)
        except NetworkError as error:
            return result_of(job, Step.LOOKUP_ERROR, error=error)
        except Exception as error:
            log.exception("lookup of outbox row %s failed", job.target_id)
            return result_of(job, Step.LOOKUP_ERROR, error=OutcomeUnknown(str(error)))
        if found is None:
            return result_of(job, Step.NOT_FOUND)
        return result_of(job, Step.PUBLISHED, result=found)

    def _send(self, job: Job) -> Result:
        if self._lease_too_short(job):
            return result_of(job, Step.GIVE_BACK)
        try:
            result = self.adapter(job.network).publish(job.tokens, job.external_id, job.text,
                                                       job.link_url, job.idempotency_key,
                                                       media=job.media)
        except NetworkError as error:
            return result_of(job, Step.SEND_ERROR, error=error)
        except Exception as error:
            log.exception("sending outbox row %s failed", job.target_id)
            return result_of(job, Step.SEND_ERROR, error=OutcomeUnknown(str(error)))
        return result_of(job, Step.PUBLISHED, result=result)
