"""Checking the chain, and purging what the retention period allows.

The chain is one linear sequence (each record holds the previous record's hash), so removing a
record from the middle would break it. A purge therefore removes only a contiguous *prefix*:
the oldest records, up to the first one that is still inside the retention period or under a
legal hold (held or young records stop the purge there, even if older-looking ones follow).
Before deleting, it appends a checkpoint (first/last id, count, the prev_hash of the first
purged record and the hash of the last one); verification starts from the newest checkpoint's
``last_hash`` instead of the genesis value, and the checkpoints chain to one another.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.archive.chain import GENESIS_HASH, canonical_json, record_hash
from advisor_hub.archive.errors import ChainBroken
from advisor_hub.archive.index import DERIVED, derive
from advisor_hub.archive.models import ArchiveRecord, PurgeCheckpoint
from advisor_hub.archive.services import ARCHIVE_ROLES, KINDS, active_holds, hold_condition
from advisor_hub.audit import services as audit
from advisor_hub.db import utcnow
from advisor_hub.roles import require_role

BATCH = 2000


@dataclass(frozen=True)
class ChainBreak:
    record_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"record {self.record_id}" if self.record_id is not None else "checkpoints"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class Verification:
    checked: int
    first_id: int | None
    last_id: int | None
    head_hash: str
    checkpoints: int
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


_COLUMNS = (ArchiveRecord.id, ArchiveRecord.kind, ArchiveRecord.recorded_at,
            ArchiveRecord.actor_id, ArchiveRecord.payload, ArchiveRecord.prev_hash,
            ArchiveRecord.record_hash, ArchiveRecord.advisor_id, ArchiveRecord.branch_id,
            ArchiveRecord.network, ArchiveRecord.post_id, ArchiveRecord.review_id,
            ArchiveRecord.search_text)


def _rows(session: Session, after_id: int = 0) -> Iterator[object]:
    # Core execution, streamed (yield_per): constant memory however long the chain.
    yield from session.connection().execute(
        select(*_COLUMNS).where(ArchiveRecord.id > after_id).order_by(ArchiveRecord.id)
        .execution_options(yield_per=BATCH)
    )


def _short(value: str | None) -> str:
    return "None" if value is None else f"{value[:16]}…"


def _content_problem(session: Session, row: object, computed: str) -> str:
    stored = row.record_hash  # type: ignore[attr-defined]
    following = session.scalar(
        select(ArchiveRecord.prev_hash).where(ArchiveRecord.id > row.id)  # type: ignore[attr-defined]
        .order_by(ArchiveRecord.id).limit(1)
    )
    details = []
    if row.kind not in KINDS:  # type: ignore[attr-defined]
        details.append(f"kind {row.kind!r} is not a known kind")  # type: ignore[attr-defined]
    try:
        if canonical_json(json.loads(row.payload)) != row.payload:  # type: ignore[attr-defined]
            details.append("payload is not in canonical JSON form")
    except ValueError:
        details.append("payload is not valid JSON")
    if following is not None and following == computed:
        what = "record_hash was altered (the content still hashes to what the next record links to)"
    elif following is not None and following == stored:
        what = "content altered: kind, recorded_at, actor_id or payload differ from what was hashed"
    else:
        what = "content or record_hash altered"
    extra = f" ({'; '.join(details)})" if details else ""
    return f"{what}{extra}: stored record_hash {_short(stored)}, recomputed {_short(computed)}"


def _index_problem(row: object) -> str | None:
    try:
        expected = derive(row.kind, json.loads(row.payload))  # type: ignore[attr-defined]
    except ValueError:
        return None
    names = [*DERIVED, "branch_id"] if expected["branch_id"] is not None else list(DERIVED)
    for name in names:
        found = getattr(row, name)
        if found != expected[name]:
            return f"search column {name} is {found!r}, the payload says {expected[name]!r}"
    return None


def verify_chain(session: Session) -> Verification:
    """Walk checkpoints then records in id order; stop at the first broken link."""
    expected = GENESIS_HASH
    covered_to = 0
    checkpoints = list(session.scalars(select(PurgeCheckpoint).order_by(PurgeCheckpoint.id)))
    for checkpoint in checkpoints:
        if checkpoint.first_prev_hash != expected or checkpoint.first_id <= covered_to \
                or checkpoint.last_id < checkpoint.first_id:
            return Verification(0, None, None, expected, len(checkpoints), ChainBreak(
                None, f"purge checkpoint {checkpoint.id} does not continue the one before it"))
        expected, covered_to = checkpoint.last_hash, checkpoint.last_id
    checked = 0
    first_id = last_id = None
    for row in _rows(session):
        if first_id is None:
            first_id = row.id
        if row.id <= covered_to:
            broken = ChainBreak(row.id, f"present although purge checkpoints cover ids up to "
                                        f"{covered_to}")
            return Verification(checked, first_id, last_id, expected, len(checkpoints), broken)
        if row.prev_hash != expected:
            broken = ChainBreak(row.id, (
                f"prev_hash {_short(row.prev_hash)} does not match the previous record's hash "
                f"{_short(expected)} (a record before it was removed, inserted or altered)"))
            return Verification(checked, first_id, last_id, expected, len(checkpoints), broken)
        computed = record_hash(prev_hash=row.prev_hash, kind=row.kind,
                               recorded_at=row.recorded_at, actor_id=row.actor_id,
                               payload=row.payload)
        if computed != row.record_hash:
            broken = ChainBreak(row.id, _content_problem(session, row, computed))
            return Verification(checked, first_id, last_id, expected, len(checkpoints), broken)
        if problem := _index_problem(row):
            return Verification(checked, first_id, last_id, expected, len(checkpoints),
                                ChainBreak(row.id, problem))
        expected = row.record_hash
        last_id = row.id
        checked += 1
    return Verification(checked, first_id, last_id, expected, len(checkpoints), None)


# --- retention and purge ------------------------------------------------------------------

def retention_cutoff(now: datetime, years: int) -> datetime:
    """Records recorded before this instant are past retention (29 February → 28th)."""
    now = now.astimezone(UTC)
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


@dataclass(frozen=True)
class PurgeResult:
    checkpoint: PurgeCheckpoint | None
    purged: int
    stopped_at: int | None
    reason: str


def purge_expired(
    session: Session, *, retention_years: int, now: datetime | None = None,
    actor: User | None = None, dry_run: bool = False,
) -> PurgeResult:
    """Remove the oldest records that are past retention and not held (a contiguous prefix).

    ``actor`` None is the operator's CLI. Refuses (ChainBroken) when the chain does not
    verify: a tampered record must not be purged out of sight.
    """
    if actor is not None:
        require_role(actor, *ARCHIVE_ROLES)
    if retention_years < 1:
        raise ValueError("retention must be at least one year")
    now = now or utcnow()
    cutoff = retention_cutoff(now, retention_years)
    verification = verify_chain(session)
    if not verification.ok:
        raise ChainBroken()
    covered_to = session.scalar(select(func.max(PurgeCheckpoint.last_id))) or 0
    holds = active_holds(session)
    # The first record that must stay: young, or held by any active hold.
    keep = [ArchiveRecord.recorded_at >= cutoff] + [hold_condition(h) for h in holds]
    first_kept = session.execute(
        select(ArchiveRecord.id, ArchiveRecord.recorded_at).where(or_(*keep))
        .order_by(ArchiveRecord.id).limit(1)
    ).first()
    conditions = [ArchiveRecord.id > covered_to]
    if first_kept is not None:
        conditions.append(ArchiveRecord.id < first_kept.id)
        reason = "held" if first_kept.recorded_at < cutoff else "within retention"
    else:
        reason = "end of archive"
    first_id, last_id, count = session.execute(
        select(func.min(ArchiveRecord.id), func.max(ArchiveRecord.id), func.count())
        .where(*conditions)
    ).one()
    stopped_at = first_kept.id if first_kept is not None else None
    if not count:
        return PurgeResult(None, 0, stopped_at, reason)
    first_prev, last_hash = (
        session.scalar(select(ArchiveRecord.prev_hash).where(ArchiveRecord.id == first_id)),
        session.scalar(select(ArchiveRecord.record_hash).where(ArchiveRecord.id == last_id)),
    )
    if dry_run:
        return PurgeResult(None, count, stopped_at, reason)
    checkpoint = PurgeCheckpoint(first_id=first_id, last_id=last_id, record_count=count,
                                 first_prev_hash=first_prev, last_hash=last_hash, cutoff=cutoff,
                                 purged_at=now)
    session.add(checkpoint)
    session.flush()
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # The trigger lets a DELETE through only with this transaction-local setting on, and
        # only for rows a checkpoint covers.
        session.execute(text("SELECT set_config('advisor_hub.purge', 'on', true)"))
    session.execute(
        delete(ArchiveRecord).where(ArchiveRecord.id.between(first_id, last_id)),
        execution_options={"archive_purge": True, "synchronize_session": False},
    )
    if postgres:
        session.execute(text("SELECT set_config('advisor_hub.purge', 'off', true)"))
    audit.record(session, actor, "archive.purged", checkpoint, after={
        "first_id": first_id, "last_id": last_id, "count": count, "cutoff": cutoff,
        "last_hash": last_hash, "stopped_at": stopped_at, "reason": reason,
    })
    return PurgeResult(checkpoint, count, stopped_at, reason)


def latest_checkpoint(session: Session) -> PurgeCheckpoint | None:
    return session.scalar(select(PurgeCheckpoint).order_by(PurgeCheckpoint.id.desc()).limit(1))
