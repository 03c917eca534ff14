"""Claims: a claimed outbox row is ``publishing`` under a lease and a token only its claim
knows; everything recorded later re-asserts that token.

PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` then an UPDATE in the same transaction;
SQLite: one conditional ``UPDATE ... WHERE state = ... AND id IN (...)`` (SQLite serialises
writers) and a re-read of the rows carrying this claim's token. The claim is committed before
anything is sent.

"Now" is the database's, inside the claim statement (``clock.db_now``): which rows are due,
which leases are stale and when the new lease ends never depend on a host's clock. The
host keeps only a monotonic deadline for the lease (``Claim.lease``), started before the
statement, so it never believes it has more lease than the database gave it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session, joinedload

from advisor_hub.db import one_of
from advisor_hub.publishing.clock import LeaseClock, db_now
from advisor_hub.publishing.models import PublicationTarget, TargetState

T = PublicationTarget


@dataclass(frozen=True)
class Claim:
    target_id: int
    token: str
    reconcile: bool
    lease: LeaseClock  # how much of the lease is left, by this host's monotonic clock


def claim_rows(session: Session, *, limit: int, lease_seconds: int,
               worker: str) -> list[Claim]:
    """Claim up to ``limit`` rows: stale leases (to reconcile) first, then due rows.

    Commits the claim. Each claimed row is ``publishing`` with ``claimed_by`` = a token only
    this call knows, and a lease ending ``lease_seconds`` after the database's now. A row
    claimed to be sent starts a new attempt: its ``absent_trusted_at`` is cleared.
    """
    lease = LeaseClock(lease_seconds)  # before the statement: never longer than the database's
    base = f"{worker[:24]}-{uuid.uuid4().hex[:24]}"
    tokens = {True: base + "-r", False: base + "-s"}
    now = db_now()
    stale = and_(T.state == TargetState.PUBLISHING,
                 or_(T.lease_expires_at.is_(None), T.lease_expires_at < now))
    due = and_(T.state == TargetState.SCHEDULED, T.due_at <= now)
    claims: list[Claim] = []
    postgres = session.get_bind().dialect.name == "postgresql"
    for reconcile, condition, order in ((True, stale, T.id), (False, due, T.due_at)):
        room = limit - len(claims)
        if room <= 0:
            break
        values: dict[str, Any] = {"state": TargetState.PUBLISHING, "claimed_by": tokens[reconcile],
                  "lease_expires_at": db_now(lease_seconds), "attempts": T.attempts + 1}
        if not reconcile:
            values["absent_trusted_at"] = None
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
        claims.extend(Claim(i, tokens[reconcile], reconcile, lease) for i in ids)
    session.commit()
    return claims


def still_claimed(session: Session, ids: Iterable[int], tokens: Iterable[str]
                  ) -> ColumnElement[bool]:
    """The WHERE clause of rows among ``ids`` still carrying one of these claims."""
    return and_(one_of(session, T.id, list(ids)), T.claimed_by.in_(list(tokens)),
                T.state == TargetState.PUBLISHING)


def load_claimed(session: Session, claims: list[Claim]) -> dict[int, PublicationTarget]:
    """The claimed rows still carrying their claim, with post and account."""
    rows = session.scalars(
        select(T).where(still_claimed(session, [c.target_id for c in claims],
                                      {c.token for c in claims}))
        .options(joinedload(T.post), joinedload(T.account))
        .order_by(T.id).execution_options(populate_existing=True)).unique()
    return {t.id: t for t in rows}
