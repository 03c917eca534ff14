"""What the parts of the dispatcher hand each other: the rows to send (``Job``), what became
of each (``Result``, by ``Step``), how each row's round ended (``Outcome``, counted in the
``DispatchReport``) and the reasons shown to the advisor.

No ORM object crosses into the sending threads: jobs and results are plain values.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from advisor_hub.networks import Media, NetworkError, PublishResult, TokenSet
from advisor_hub.notifications.services import N_
from advisor_hub.publishing.clock import LeaseClock
from advisor_hub.publishing.models import PublicationTarget

# Reasons a row is cancelled at publish time (invariant 3); shown translated to the advisor.
REASON_ACCOUNT = N_("The account is no longer linked.")
REASON_APPROVAL = N_("The approval of this post no longer stands.")
REASON_HASH = N_("The content differs from what was approved.")
REASON_TOO_LONG = N_("The text is too long for this network.")
REASON_POLICY = N_("The compliance policy now blocks this text.")
REASON_LIBRARY = N_("The library item is no longer available: %(reason)s")
REASON_UNKNOWN = N_("The network did not confirm the publication.")
REASON_MEDIA = N_("The approved image is no longer available as approved.")
REASON_NO_RECONCILE = N_("The network can neither look the post up nor reject a duplicate.")


class Step(enum.StrEnum):
    """What became of one row before it is recorded; says which handler records it."""

    PUBLISHED = "published"  # sent, or found by a lookup (``Result.result``)
    NOT_FOUND = "not_found"  # a lookup did not find it: not proof that it was not sent
    AWAIT_ABSENT = "await_absent"  # may be out, "absent" not believed yet: look again later
    GIVE_BACK = "give_back"  # too little lease left to make the call: untouched
    NEEDS_CHECK = "needs_check"  # it may be out and cannot be confirmed: ask the advisor
    HOLD = "hold"  # its account must be relinked first (publish-time re-check)
    REFUSED = "refused"  # a publish-time re-check failed (``Result.reason``)
    REAUTH = "reauth"  # no usable token: the network wants the account relinked
    NOT_SENT = "not_sent"  # nothing went out (a check or a token refresh could not be made)
    SEND_ERROR = "send_error"  # the send failed (``Result.error`` says how)
    LOOKUP_ERROR = "lookup_error"  # the lookup failed (``Result.error`` says how)
    APP_HOLD = "app_hold"  # the network is held for the whole app (``Result.hold_id``)
    WAIT = "wait"  # over a posting limit: waits for its slot (``Result.retry_at``)


class Outcome(enum.StrEnum):
    """How one claimed row's round ended: the keys of ``DispatchReport.outcomes``."""

    PUBLISHED = "published"
    RETRY = "retry"  # not sent: back in the queue after a backoff
    UNKNOWN = "unknown"  # maybe sent: reconciled after a delay
    HELD = "held"  # waits for its account to be relinked, or for an app-wide hold to end
    WAITING = "waiting"  # over a posting limit: back in the queue for its slot, not sent
    FAILED = "failed"
    CANCELLED = "cancelled"
    NEEDS_CHECK = "needs_check"
    GIVEN_BACK = "given_back"  # untouched, for a later round
    LOST = "lost"  # our claim on it was lost (another process took it over)
    ERROR = "error"  # its result could not be recorded: reconciled after its lease


@dataclass
class DispatchReport:
    claimed: int = 0
    outcomes: dict[Outcome, int] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


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
    lease: LeaseClock  # what is left of the claim's lease, by the monotonic clock
    maybe_sent: bool  # an earlier attempt may be out (a reconciled row)
    media: Media | None = None


@dataclass(frozen=True)
class Result:
    """What happened to one row; ``step`` says which handler records it."""

    target_id: int
    post_id: int
    step: Step
    result: PublishResult | None = None
    error: NetworkError | None = None
    reason: str | None = None
    maybe_sent: bool = False
    hold_id: int | None = None
    retry_at: datetime | None = None


def result_of(job: Job, step: Step, **values: Any) -> Result:
    return Result(job.target_id, job.post_id, step, maybe_sent=job.maybe_sent, **values)


def result_for(target: PublicationTarget, step: Step, *, reason: str | None = None,
               error: NetworkError | None = None, maybe_sent: bool = True,
               hold_id: int | None = None, retry_at: datetime | None = None) -> Result:
    """A decision about a row taken before any send (by default: one that may be out)."""
    return Result(target.id, target.post_id, step, error=error, reason=reason,
                  maybe_sent=maybe_sent, hold_id=hold_id, retry_at=retry_at)
