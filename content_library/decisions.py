"""The lifecycle steps shared by every reviewed, versioned text (library versions, life-event
templates, approved answers): approvals calls each kind's handler, which hands the version to
:func:`apply_decision`; retiring a lineage is :func:`retire_lineage`.

Approving a version supersedes the approved one of its lineage; the other final outcomes move
it to the status ``STATUS_AFTER_REVIEW`` gives. Nobody who edited the version may approve it,
checked here again although approvals checks the declared editors first: the handler is the
last line before the status changes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from advisor_hub.accounts.services import find_user
from advisor_hub.audit.services import record
from advisor_hub.db import utcnow
from advisor_hub.errors import Conflict, PermissionDenied, ValidationError
from approvals.models import ReviewStatus
from content_library.models import STATUS_AFTER_REVIEW, USABLE, Status


def apply_decision(session: Session, version: Any, *, outcome: str, decision: Any,
                   editors: Collection[int], lineage: Iterable[Any], action: str,
                   not_in_review: Any,
                   on_superseded: Callable[[Any, datetime], dict[str, Any]] | None = None) -> None:
    """Apply the final ``outcome`` of ``decision`` to ``version``, audited as
    ``<action>_<outcome>`` (and ``<action>_superseded`` for each version it replaces).

    ``on_superseded(other, now)`` may stamp a replaced version and returns what its audit
    record adds to ``after``.
    """
    if version.status != Status.IN_REVIEW:
        raise Conflict(not_in_review)
    decider = find_user(session, getattr(decision, "decided_by_id", None))
    if outcome == ReviewStatus.APPROVED and decider is not None and decider.id in editors:
        raise PermissionDenied(_l("Nobody approves their own work."))
    before = {"status": version.status}
    now = utcnow()
    if outcome == ReviewStatus.APPROVED:
        for other in lineage:
            if other.status == Status.APPROVED and other.id != version.id:
                other.status = Status.SUPERSEDED
                extra = on_superseded(other, now) if on_superseded else {}
                record(session, decider, f"{action}_superseded", other,
                       before={"status": Status.APPROVED},
                       after={"status": other.status, **extra})
        version.status = Status.APPROVED
        version.approved_at = now
        version.review_id = getattr(decision, "id", version.review_id)
    elif outcome in STATUS_AFTER_REVIEW:
        version.status = STATUS_AFTER_REVIEW[ReviewStatus(outcome)]
    else:
        raise ValidationError(_l("Unknown review outcome."))
    session.flush()
    record(session, decider, f"{action}_{outcome}", version, before=before,
           after={"status": version.status, "review_id": version.review_id})


def retire_lineage(session: Session, subject: Any, *, actor: Any, versions: list[Any],
                   action: str, already_retired: Any) -> None:
    """Retire every version of ``subject``'s lineage (the usable ones become ``RETIRED``),
    audited as ``action``; refused while a version is in review or when all are retired."""
    if any(v.status == Status.IN_REVIEW for v in versions):
        raise Conflict(_l("A version is in review; wait for the decision before retiring."))
    if all(v.retired_at is not None for v in versions):
        raise Conflict(already_retired)
    now = utcnow()
    for version in versions:
        version.retired_at = now
        if version.status in USABLE:
            version.status = Status.RETIRED
    session.flush()
    record(session, actor, action, subject, after={"retired_at": now})
