"""The dispatcher: claim due outbox rows, re-check them, send them, record what happened.

At most once per (post, account), whatever crashes (DESIGN.md invariant 2). By job:

* ``claim``: a claim is a lease, committed before anything is sent; only its token's holder
  may record the row's result.
* ``checks``: the publish-time re-checks of a whole batch (invariant 3).
* ``loop``: the ``Dispatcher``: rounds of claim → reconcile → check → send, with bounded
  concurrency.
* ``record``: recording results under the claim, settling posts, archiving publications.
* ``outcomes``: what the parts hand each other (jobs, results, outcomes, reasons);
  ``settings``: the dispatcher's settings and its backoff.
"""

from advisor_hub.publishing.dispatch.checks import CheckResult, Checks
from advisor_hub.publishing.dispatch.claim import Claim, claim_rows
from advisor_hub.publishing.dispatch.loop import Dispatcher
from advisor_hub.publishing.dispatch.outcomes import (
    REASON_ACCOUNT,
    REASON_APPROVAL,
    REASON_HASH,
    REASON_LIBRARY,
    REASON_MEDIA,
    REASON_POLICY,
    REASON_TOO_LONG,
    REASON_UNKNOWN,
    DispatchReport,
    Job,
    Outcome,
    Result,
    Step,
)
from advisor_hub.publishing.dispatch.settings import (
    LEASE_MARGIN_SECONDS,
    MAX_BACKOFF_SECONDS,
    DispatchSettings,
    backoff_delay,
)

__all__ = [
    "LEASE_MARGIN_SECONDS", "MAX_BACKOFF_SECONDS", "REASON_ACCOUNT", "REASON_APPROVAL",
    "REASON_HASH", "REASON_LIBRARY", "REASON_MEDIA", "REASON_POLICY", "REASON_TOO_LONG",
    "REASON_UNKNOWN", "CheckResult", "Checks", "Claim", "DispatchReport", "DispatchSettings",
    "Dispatcher", "Job", "Outcome", "Result", "Step", "backoff_delay", "claim_rows",
]
