"""The archive's record page: one record, the approval behind it, the records around it
and the whole audit trail of its post and review.

It reads the approval and the audit subjects through the owning packages (approvals'
services and reporting, publishing's reporting), imported normally: this module is not
imported by ``approvals``, so there is no cycle to hide behind a function-level import."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.archive.models import ArchiveRecord
from advisor_hub.archive.services import ARCHIVE_ROLES
from advisor_hub.audit import services as audit
from advisor_hub.audit.models import AuditEvent
from advisor_hub.errors import NotFound
from advisor_hub.publishing import reporting as publishing
from advisor_hub.roles import require_role
from approvals import reporting as approvals
from approvals.services import ApprovalInfo, get_approval, subject_for

RELATED_LIMIT = 200


@dataclass(frozen=True)
class RecordView:
    record: ArchiveRecord
    payload: dict[str, Any]
    advisor: User | None
    actor: User | None
    decisions: list[tuple[ArchiveRecord, dict[str, Any]]]
    publications: list[tuple[ArchiveRecord, dict[str, Any]]]
    trail: list[AuditEvent]
    approval: ApprovalInfo | None = None
    approver: User | None = None


def get_record(session: Session, *, actor: User, record_id: int) -> RecordView:
    """One record with the approval behind it and the post's whole audit trail."""
    require_role(actor, *ARCHIVE_ROLES)
    record = session.get(ArchiveRecord, record_id)
    if record is None:
        raise NotFound()
    payload = json.loads(record.payload)
    related = _related(session, record)
    decisions = [(r, json.loads(r.payload)) for r in related if r.kind == "decision"]
    if record.kind == "decision":
        decisions.insert(0, (record, payload))
    publications = [(r, json.loads(r.payload)) for r in related if r.kind == "publication"]
    trail = sorted(
        (event for subject in _audit_subjects(record, payload)
         for event in audit.trail_for(session, subject)),
        key=lambda e: (e.at, e.id),
    )
    approval = get_approval(session, record.review_id) if record.review_id is not None \
        else None
    approver_id = (approval.approved_by_id if approval else None) \
        or payload.get("approved_by_id")
    return RecordView(
        approval=approval,
        approver=session.get(User, approver_id) if isinstance(approver_id, int) else None,
        record=record, payload=payload,
        advisor=session.get(User, record.advisor_id) if record.advisor_id else None,
        actor=session.get(User, record.actor_id) if record.actor_id else None,
        decisions=decisions, publications=publications, trail=trail,
    )


def _related(session: Session, record: ArchiveRecord) -> list[ArchiveRecord]:
    """The other records of the same review or post, oldest first."""
    conditions = []
    if record.review_id is not None:
        conditions.append(ArchiveRecord.review_id == record.review_id)
    if record.post_id is not None:
        conditions.append(ArchiveRecord.post_id == record.post_id)
    if not conditions:
        return []
    return list(session.scalars(
        select(ArchiveRecord).where(or_(*conditions), ArchiveRecord.id != record.id)
        .order_by(ArchiveRecord.id).limit(RELATED_LIMIT)
    ))


def _audit_subjects(record: ArchiveRecord, payload: dict[str, Any]) -> list[tuple[str, Any]]:
    """What the record's story is audited under: its post, review and outbox row, and for
    a decision on something other than a post, that thing (as its owner registered it)."""
    subjects: list[tuple[str, Any]] = []
    if record.post_id is not None:
        subjects.append(publishing.post_subject(record.post_id))
    if record.review_id is not None:
        subjects.append(approvals.review_subject(record.review_id))
    if payload.get("target_id") is not None:
        subjects.append(publishing.target_subject(payload["target_id"]))
    kind, subject_id = payload.get("kind"), payload.get("subject_id")
    if record.kind == "decision" and kind not in (None, "post") and subject_id is not None:
        subject = subject_for(str(kind))
        if subject is not None:
            subjects.append((subject.subject_type, subject_id))
    return subjects
