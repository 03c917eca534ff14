"""Recording what happened, conditional on still holding the claim (same token).

Results are recorded as sends finish, several rows per transaction: the posts touched are
settled, the approvals used marked and the publications archived once per transaction (one
acquisition of the archive's lock). If a transaction fails, its rows stay ``publishing`` and
are reconciled after their lease, never resent blindly.

Failures are handled by class (``advisor_hub.networks.errors``): not sent → retry with
exponential backoff and jitter, honouring Retry-After, up to a maximum; outcome unknown →
reconcile; re-auth → account "relink needed", rows held; permanent → failed. A row that
may be out is never failed or given up at its last attempt without a final reconciliation
(``reconcile``). Times written (due, lease, published) are the database's (``clock``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from advisor_hub.archive.append import append_records
from advisor_hub.audit.services import record as audit
from advisor_hub.connectors import holds
from advisor_hub.connectors.gate import (
    Faults,
    end_server_errors,
    is_server_error,
    mark_success,
)
from advisor_hub.connectors.models import NetworkHold
from advisor_hub.db import one_of, utcnow
from advisor_hub.networks import (
    Duplicate,
    NetworkAdapter,
    NetworkError,
    NotSent,
    OutcomeUnknown,
    PublishResult,
    ReauthNeeded,
    network_label,
)
from advisor_hub.notifications.services import N_, notify
from advisor_hub.publishing import upstream
from advisor_hub.publishing.clock import read_db_now
from advisor_hub.publishing.dispatch import reconcile
from advisor_hub.publishing.dispatch.claim import still_claimed
from advisor_hub.publishing.dispatch.outcomes import (
    REASON_ACCOUNT,
    REASON_UNKNOWN,
    DispatchReport,
    Job,
    Outcome,
    Result,
    Step,
)
from advisor_hub.publishing.dispatch.settings import DispatchSettings, backoff_delay
from advisor_hub.publishing.linking import mark_relink_needed
from advisor_hub.publishing.models import FailureClass, Post, PublicationTarget, TargetState
from advisor_hub.publishing.outbox import lock_posts, set_target_state, settle_posts

log = logging.getLogger(__name__)

T = PublicationTarget


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
        self.published_accounts: set[int] = set()
        self.published_networks: set[str] = set()
        self._now: datetime | None = None

    @property
    def now(self) -> datetime:
        """The database's time, read once (after ``hold_claims``: on SQLite the write lock
        is taken first)."""
        if self._now is None:
            self._now = read_db_now(self.session)
        return self._now

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
        session = self.session
        post_ids = {r.post_id for r in results}
        still_ours = still_claimed(session, [r.target_id for r in results], tokens)
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
        mark_success(self.session, self.published_accounts, self.now)
        end_server_errors(self.session, self.published_networks)  # a post went out: no storm
        if self.used_reviews:
            upstream.mark_used(self.session, review_ids=self.used_reviews, at=self.now)
        # Last: the archive serialises its appends (a chain), so hold its lock briefly.
        append_records(self.session, kind="publication", entries=self.archive)


class Recorder:
    """Records results: each in one transaction per group, by its ``Step``."""

    def __init__(self, make_session: Callable[[], Session], settings: DispatchSettings,
                 adapter: Callable[[str], NetworkAdapter],
                 config: Mapping[str, Any] | None = None) -> None:
        self.make_session = make_session
        self.settings = settings
        self.adapter = adapter
        self.faults = Faults(config or {})

    def mark_resend(self, jobs: list[Job], resend: set[int], tokens: set[str],
                    report: DispatchReport) -> list[Job]:
        """Commit "a reconcile resend" before the resend: even if we crash during it, it is
        known to be one (a duplicate rejection then means published). The resend is a new
        attempt: "absent" is not believed again until after it. Rows whose claim was lost
        meanwhile are dropped."""
        with self.make_session() as session:
            marked = set(session.scalars(
                update(T).where(still_claimed(session, resend, tokens))
                .values(resent_for_reconcile=True, absent_trusted_at=None).returning(T.id)
                .execution_options(synchronize_session=False)))
            for target_id in marked:
                audit(session, None, "publication.reconcile_resend",
                      (T.__tablename__, target_id), flush=False)
            session.commit()
        for _ in resend - marked:
            report.count(Outcome.LOST)
        return [j for j in jobs if j.target_id not in resend or j.target_id in marked]

    def record(self, results: list[Result], tokens: set[str],
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
                        outcomes.append(Outcome.LOST)
                        continue
                    outcomes.append(self._apply(write, target, result))
                    write.posts.add(target.post_id)
                write.finish()
                session.commit()
            except Exception:
                session.rollback()
                log.exception("recording outbox rows %s failed",
                              [r.target_id for r in results])
                outcomes = [Outcome.ERROR] * len(results)
        for outcome in outcomes:
            report.count(outcome)

    def _apply(self, w: Write, target: PublicationTarget, r: Result) -> Outcome:
        if r.step is Step.PUBLISHED:
            assert r.result is not None
            return self._published(w, target, r.result)
        if r.step is Step.GIVE_BACK:
            return self._give_back(w, target, maybe_sent=r.maybe_sent)
        if r.step is Step.NEEDS_CHECK:
            return self._needs_check(w, target, r.reason or REASON_UNKNOWN)
        if r.step is Step.APP_HOLD:
            return self._app_hold(w, target, r.hold_id, maybe_sent=r.maybe_sent)
        if r.step is Step.WAIT:
            return self._wait(w, target, r)
        if r.error is not None and r.step in (Step.SEND_ERROR, Step.NOT_SENT, Step.REAUTH):
            fault = self.faults.app_fault(r.error, target.network)
            if fault is not None:  # the app's fault, not the post's: hold, do not fail
                hold = self.faults.hold_for(w.session, fault, target.network, r.error, w.now)
                return self._app_hold(w, target, hold.id, maybe_sent=r.maybe_sent)
            if r.step in (Step.SEND_ERROR, Step.REAUTH):
                self.faults.problem(w.session, target, r.error, w.now)
            if r.step is Step.SEND_ERROR and is_server_error(r.error):
                self.faults.server_error(w.session, target.network, target.account_id,
                                         r.error, w.now)
        if r.step is Step.AWAIT_ABSENT:
            return self._await_absent(w, target)
        if r.step is Step.HOLD:
            set_target_state(w.session, target, TargetState.HELD, error=REASON_ACCOUNT,
                             failure_class=(FailureClass.OUTCOME_UNKNOWN if r.maybe_sent
                                            else FailureClass.REAUTH))
            return Outcome.HELD
        if r.step is Step.REFUSED:
            reason = r.reason or REASON_UNKNOWN
            if r.maybe_sent or target.resent_for_reconcile:  # it may be out: ask the advisor
                return self._needs_check(w, target, reason)
            return self._cancel(w, target, reason)
        assert r.error is not None
        if r.step is Step.LOOKUP_ERROR:
            return self._after_lookup_error(w, target, r.error)
        if r.step is Step.REAUTH:
            return self._reauth(w, target, r.error, sent_maybe=r.maybe_sent)
        if r.step is Step.NOT_SENT:
            if r.maybe_sent and not target.resent_for_reconcile:
                # Back in the queue as a resend that relies on duplicate rejection.
                self._mark_resent(w, target)
            return self._not_sent(w, target, r.error, maybe_out=r.maybe_sent)
        return self._after_error(w, target, r.error)

    def _app_hold(self, w: Write, target: PublicationTarget, hold_id: int | None, *,
                  maybe_sent: bool) -> Outcome:
        """Held under an app-wide hold: its due time kept, released when the hold ends (a
        hold resumed in the meantime: back in the queue, untouched)."""
        hold = w.session.get(NetworkHold, hold_id) if hold_id is not None else None
        if hold is None or not hold.active:
            hold = holds.active_hold_for(w.session, target.network)
        if hold is None:
            return self._give_back(w, target, maybe_sent=maybe_sent)
        holds.hold_rows(w.session, hold, [target], now=w.now, maybe_sent=maybe_sent,
                        settle=False)
        return Outcome.HELD

    def _wait(self, w: Write, target: PublicationTarget, r: Result) -> Outcome:
        """Over a posting limit: nothing was sent; it goes when its slot comes (not an
        attempt). A row that may be out waits as a reconciliation, never as a fresh send."""
        assert r.retry_at is not None
        target.attempts = max(0, target.attempts - 1)
        target.claimed_by = None
        if r.maybe_sent or target.resent_for_reconcile:
            target.lease_expires_at = r.retry_at  # reconciled once the slot comes
        else:
            target.due_at = r.retry_at
            target.lease_expires_at = None
            target.state = TargetState.SCHEDULED
        return Outcome.WAITING

    def _mark_resent(self, w: Write, target: PublicationTarget) -> None:
        target.resent_for_reconcile = True
        audit(w.session, None, "publication.reconcile_resend", target, flush=False)

    def _after_error(self, w: Write, target: PublicationTarget,
                     error: NetworkError) -> Outcome:
        if isinstance(error, Duplicate):  # the network already has it: published
            return self._published(w, target, PublishResult(
                error.existing_post_id or "", error.existing_post_url))
        if isinstance(error, NotSent):
            return self._not_sent(w, target, error, maybe_out=target.resent_for_reconcile)
        if isinstance(error, OutcomeUnknown):
            if target.resent_for_reconcile and not self.adapter(target.network).supports_lookup:
                return self._needs_check(w, target, error.message or str(error))
            return self._unknown(w, target, error)
        if isinstance(error, ReauthNeeded):
            return self._reauth(w, target, error, sent_maybe=False)
        return self._fail(w, target, FailureClass.PERMANENT, error.message or str(error))

    def _after_lookup_error(self, w: Write, target: PublicationTarget,
                            error: NetworkError) -> Outcome:
        if isinstance(error, ReauthNeeded):
            return self._reauth(w, target, error, sent_maybe=True)
        if isinstance(error, NotSent | OutcomeUnknown):  # the lookup failed, not a send
            return self._unknown(w, target, error, new_attempt=False)
        return self._needs_check(w, target, error.message or REASON_UNKNOWN)

    # -- outcomes -----------------------------------------------------------------------------

    def _published(self, w: Write, target: PublicationTarget,
                   result: PublishResult) -> Outcome:
        post = target.post
        now = w.now
        target.network_post_id = result.post_id or None
        target.network_post_url = result.post_url
        target.published_at = now
        target.last_error = None
        set_target_state(w.session, target, TargetState.PUBLISHED, flush=False)
        target.failure_class = None
        self.faults.success(w.session, target, now)
        w.published_accounts.add(target.account_id)
        w.published_networks.add(target.network)
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
        return Outcome.PUBLISHED

    def _not_sent(self, w: Write, target: PublicationTarget, error: NetworkError, *,
                  maybe_out: bool = False) -> Outcome:
        """Nothing went out this time: retry after a backoff. At the last attempt: failed,
        unless an earlier attempt may be out (then a final reconciliation decides)."""
        if reconcile.past_last_attempt(target, self.settings):
            if maybe_out:
                return self._unknown(w, target, error)
            return self._fail(w, target, FailureClass.NOT_SENT, error.message or str(error))
        delay = backoff_delay(target.attempts, self.settings.backoff_seconds,
                              getattr(error, "retry_after", None))
        target.due_at = w.now + timedelta(seconds=delay)
        set_target_state(w.session, target, TargetState.SCHEDULED,
                         failure_class=FailureClass.NOT_SENT,
                         error=error.message or str(error), flush=False)
        return Outcome.RETRY

    def _unknown(self, w: Write, target: PublicationTarget, error: NetworkError, *,
                 new_attempt: bool = True) -> Outcome:
        """Maybe sent: keep the row ``publishing`` and reconcile it after a delay (a slow
        network may still be acting on the request). "Absent" is believed only after the
        hold (``reconcile``). Past the last attempt it is still reconciled, up to
        ``reconcile.FINAL_ROUNDS`` times, where a lookup or duplicate rejection can settle
        it; otherwise the advisor must look."""
        adapter = self.adapter(target.network)
        if reconcile.past_last_attempt(target, self.settings) and (
                reconcile.final_rounds_spent(target, self.settings)
                or not (adapter.supports_lookup or adapter.rejects_duplicates)):
            return self._needs_check(w, target, error.message or str(error))
        before = {"state": target.state, "failure_class": target.failure_class}
        target.failure_class = FailureClass.OUTCOME_UNKNOWN
        target.last_error = (error.message or str(error))[:2000]
        target.claimed_by = None
        if new_attempt or target.absent_trusted_at is None:
            target.absent_trusted_at = w.now + timedelta(
                seconds=reconcile.absent_hold(adapter, self.settings))
        target.lease_expires_at = w.now + timedelta(
            seconds=self.settings.reconcile_delay_seconds)
        audit(w.session, None, "publication.outcome_unknown", target, before,
              {"state": target.state, "failure_class": target.failure_class,
               "error": target.last_error}, flush=False)
        return Outcome.UNKNOWN

    def _await_absent(self, w: Write, target: PublicationTarget) -> Outcome:
        """A lookup found nothing, too early to believe it: look again once "absent" is
        believed (``absent_trusted_at``, set now if this attempt had none: a row whose
        process died mid-send)."""
        if target.attempts > self.settings.max_attempts + reconcile.FINAL_ROUNDS:
            return self._needs_check(w, target, target.last_error or REASON_UNKNOWN)
        if target.absent_trusted_at is None:
            target.absent_trusted_at = w.now + timedelta(
                seconds=reconcile.absent_hold(self.adapter(target.network), self.settings))
        target.failure_class = FailureClass.OUTCOME_UNKNOWN
        target.claimed_by = None
        target.lease_expires_at = max(target.absent_trusted_at, w.now + timedelta(
            seconds=self.settings.reconcile_delay_seconds))
        return Outcome.UNKNOWN

    def _reauth(self, w: Write, target: PublicationTarget, error: NetworkError, *,
                sent_maybe: bool) -> Outcome:
        mark_relink_needed(w.session, target.account, error.message or str(error))
        set_target_state(w.session, target, TargetState.HELD,
                         failure_class=(FailureClass.OUTCOME_UNKNOWN if sent_maybe
                                        else FailureClass.REAUTH),
                         error=error.message or str(error))
        return Outcome.HELD

    def _fail(self, w: Write, target: PublicationTarget, failure_class: FailureClass,
              message: str) -> Outcome:
        set_target_state(w.session, target, TargetState.FAILED, failure_class=failure_class,
                         error=message)
        self._tell(w, target, N_("Your post to %(network)s (%(account)s) failed: "
                                 "%(reason)s"), message)
        return Outcome.FAILED

    def _cancel(self, w: Write, target: PublicationTarget, reason: str) -> Outcome:
        set_target_state(w.session, target, TargetState.CANCELLED,
                         failure_class=FailureClass.PRECHECK, error=reason)
        self._tell(w, target, N_("Your post to %(network)s (%(account)s) was cancelled "
                                 "before sending: %(reason)s"), reason)
        return Outcome.CANCELLED

    def _needs_check(self, w: Write, target: PublicationTarget, reason: str) -> Outcome:
        set_target_state(w.session, target, TargetState.NEEDS_CHECK,
                         failure_class=FailureClass.OUTCOME_UNKNOWN, error=reason)
        self._tell(w, target, N_("We could not confirm whether your post to "
                                 "%(network)s (%(account)s) was published; please "
                                 "check it there: %(reason)s"), reason)
        return Outcome.NEEDS_CHECK

    def _give_back(self, w: Write, target: PublicationTarget, *, maybe_sent: bool) -> Outcome:
        """Untouched, for a later round: a row that may be out goes back to reconciliation
        (``publishing`` with no lease), any other to the queue.

        ``maybe_sent`` is the claim's own knowledge: a row taken over from a process that
        died mid-send carries no recorded outcome (or an earlier attempt's "not sent"), and
        only the claim knows it may be out; back in the queue it would be sent again,
        normally (the kill -9 loop found such doubles)."""
        if target.attempts >= self.settings.max_attempts * 3:  # a stuck row: ask a human
            return self._needs_check(w, target, REASON_UNKNOWN)
        maybe_out = (maybe_sent or target.resent_for_reconcile
                     or target.failure_class == FailureClass.OUTCOME_UNKNOWN)
        target.claimed_by = None
        target.lease_expires_at = None
        if not maybe_out:
            target.state = TargetState.SCHEDULED
        return Outcome.GIVEN_BACK

    def _tell(self, w: Write, target: PublicationTarget, message: str, reason: str) -> None:
        from advisor_hub.publishing.reasons import reason_texts

        # The network's raw words are never shown: the reader gets advice in their language.
        notify(w.session, target.post.author, message,
               {"network": network_label(target.network),
                "account": target.account.display_name,
                "reason": reason_texts(target.network, reason, target.failure_class)},
               f"/publishing/posts/{target.post_id}")
