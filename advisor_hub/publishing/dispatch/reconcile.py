"""Reconciling a row that may be out: when a resend is safe, and when only a person can tell.

A row "may be out" after a send whose outcome is unknown (a read timeout, a 5xx after the
network accepted the request, a process killed mid-send). Such a row is never resent
blindly (#12.1, #12.3):

* **A lookup that finds nothing is not "not sent".** A network with a backlog (a 40 s
  delay, a server that hung and resumes) answers "absent" while it is still working on the
  request. "Absent" is believed only from ``absent_trusted_at`` on: ``ABSENT_HOLD``
  (``DISPATCH_ABSENT_HOLD_READ_TIMEOUTS``, default 3) times the network's read timeout after
  the attempt was last known to be in flight: after its outcome was recorded unknown, or,
  for a row whose process died, after the first lookup that found it absent (which is after
  that process's lease ended, so after its send started). Before then an "absent" row waits
  (it stays ``publishing``, its lease is the trusted time, and it is looked up again).
* **A resend after "absent" is a reconcile resend**: the same idempotency key and text,
  committed as ``resent_for_reconcile`` before it goes, so that the network's duplicate
  rejection (``Duplicate``) counts as published.
* **Without a lookup** the one resend relies on the network's duplicate rejection, after
  the same wait; a network that offers neither a lookup nor duplicate rejection
  (``NetworkAdapter.rejects_duplicates`` false) gets no resend: the row goes to
  ``needs_check``.
* **After the last attempt** (``DISPATCH_MAX_ATTEMPTS``) a row that may be out is not given
  up at once: up to ``FINAL_ROUNDS`` more reconciliations look it up (or make one resend a
  duplicate rejection makes safe); ``needs_check`` only when that cannot settle it.

A network that finishes a request later than the hold after its read timeout, that offers a
lookup but no duplicate rejection, can still see one resend: raise the factor for it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from advisor_hub.networks import NetworkAdapter
from advisor_hub.publishing.dispatch.outcomes import REASON_NO_RECONCILE, REASON_UNKNOWN
from advisor_hub.publishing.dispatch.settings import DispatchSettings
from advisor_hub.publishing.models import PublicationTarget

FINAL_ROUNDS = 2  # reconciliations allowed after the last attempt: a lookup, a trusted one


class Verdict(enum.StrEnum):
    WAIT = "wait"  # "absent" is not believed yet: look again at ``absent_trusted_at``
    RESEND = "resend"  # a reconcile resend (same key, marked) is safe
    NEEDS_CHECK = "needs_check"  # only the advisor can tell


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str | None = None


WAIT = Decision(Verdict.WAIT)
RESEND = Decision(Verdict.RESEND)


def absent_hold(adapter: NetworkAdapter, settings: DispatchSettings) -> float:
    """How long after an attempt "absent" is believed (seconds)."""
    return settings.absent_hold_read_timeouts * adapter.config.read_timeout


def past_last_attempt(target: PublicationTarget, settings: DispatchSettings) -> bool:
    return target.attempts >= settings.max_attempts


def final_rounds_spent(target: PublicationTarget, settings: DispatchSettings) -> bool:
    return target.attempts >= settings.max_attempts + FINAL_ROUNDS


def absent_believed(target: PublicationTarget, now: datetime) -> bool:
    return target.absent_trusted_at is not None and now >= target.absent_trusted_at


def after_absent(target: PublicationTarget, adapter: NetworkAdapter, now: datetime,
                 settings: DispatchSettings) -> Decision:
    """A lookup found nothing: wait, resend (marked) or ask the advisor."""
    if not absent_believed(target, now):
        return WAIT
    if past_last_attempt(target, settings) and not adapter.rejects_duplicates:
        # No more attempts, and a resend would rest on timing alone.
        return Decision(Verdict.NEEDS_CHECK, target.last_error or REASON_UNKNOWN)
    return RESEND


def without_lookup(target: PublicationTarget, adapter: NetworkAdapter, now: datetime
                   ) -> Decision:
    """No lookup to make (none offered, or the network refused it): one resend relying on
    duplicate rejection, after the wait; otherwise the advisor must look."""
    if not adapter.rejects_duplicates:
        return Decision(Verdict.NEEDS_CHECK, REASON_NO_RECONCILE)
    if target.resent_for_reconcile:  # resent once already: the advisor must look
        return Decision(Verdict.NEEDS_CHECK, target.last_error or REASON_UNKNOWN)
    if not absent_believed(target, now):
        return WAIT
    return RESEND
