"""Archive test helpers: publication payloads, bulk seeding, and switching the guards off
(as an attacker with DDL rights would) to tamper with rows directly in SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from advisor_hub.archive.chain import GENESIS_HASH, canonical_json, record_hash
from advisor_hub.archive.index import derive
from advisor_hub.archive.models import ArchiveRecord
from advisor_hub.archive.services import append_record


def publication(advisor_id: int, *, post_id: int = 1, text: str = "Our savings rates",
                network: str = "linkedin", branch_id: int | None = None,
                review_id: int = 10) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "post_id": post_id, "target_id": post_id * 10, "advisor_id": advisor_id,
        "account_id": 3, "network": network, "text": text,
        "link_url": "https://bank.example/rates", "media_sha256": None,
        "content_hash": "c" * 64, "review_id": review_id, "approved_by_id": None,
        "network_post_id": f"urn:li:share:{post_id}",
        "network_post_url": f"https://www.linkedin.com/feed/update/{post_id}",
        "published_at": "2026-11-20T10:00:00+00:00",
    }
    if branch_id is not None:
        payload["branch_id"] = branch_id
    return payload


def decision(author_id: int, *, review_id: int = 10, post_id: int = 1,
             decision: str = "approved", reviewer_id: int | None = None) -> dict[str, Any]:
    return {
        "review_id": review_id, "kind": "post", "subject_id": post_id, "decision": decision,
        "reason_code": None if decision == "approved" else "misleading",
        "comment": "Fine" if decision == "approved" else "Too promising",
        "content_hash": "c" * 64, "lexicon_version": 1, "decided_by_id": reviewer_id,
        "author_id": author_id, "decided_at": "2026-11-20T09:00:00+00:00",
    }


def append_many(session: Session, advisor_id: int, count: int) -> list[ArchiveRecord]:
    return [append_record(session, kind="publication",
                          payload=publication(advisor_id, post_id=i + 1, text=f"Post {i}"))
            for i in range(count)]


def bulk_seed(session: Session, count: int, *, advisor_id: int | None = None,
              start: datetime | None = None, batch: int = 5000) -> None:
    """Insert a valid chain of ``count`` records quickly (no ORM objects)."""
    prev = GENESIS_HASH
    when = start or datetime(2026, 1, 1, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    table = ArchiveRecord.__table__
    for i in range(count):
        payload = publication(advisor_id or 0, post_id=i + 1,
                              text=f"Archived post number {i} about savings")
        body = canonical_json(payload)
        at = when + timedelta(seconds=i)
        digest = record_hash(prev_hash=prev, kind="publication", recorded_at=at,
                             actor_id=None, payload=body)
        rows.append({"kind": "publication", "recorded_at": at, "actor_id": None,
                     "payload": body, "prev_hash": prev, "record_hash": digest,
                     **derive("publication", payload)})
        prev = digest
        if len(rows) >= batch:
            session.execute(insert(table), rows)
            rows = []
    if rows:
        session.execute(insert(table), rows)


SQLITE_TRIGGERS = ("archive_records_no_update", "archive_records_no_delete",
                   "archive_checkpoints_no_update", "archive_checkpoints_no_delete")


def drop_guards(session: Session) -> None:
    """Inside the test's transaction (rolled back after): switch the triggers off."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE archive_records DISABLE TRIGGER USER"))
        session.execute(text("ALTER TABLE archive_purge_checkpoints DISABLE TRIGGER USER"))
    else:
        for name in SQLITE_TRIGGERS:
            session.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def sql_seed(session: Session, count: int) -> None:
    """Many records at once in SQL (SQLite): realistic sizes, not a valid chain."""
    session.execute(text(r"""
        WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :count)
        INSERT INTO archive_records (kind, recorded_at, actor_id, payload, prev_hash,
                                     record_hash, advisor_id, network, post_id, search_text)
        SELECT 'publication', datetime('2026-01-01', '+' || x || ' seconds'), NULL,
               '{"advisor_id"\:1,"network":"linkedin","post_id":' || x ||
               ',"text":"Archived post number ' || x || ' about savings, loans and the'
               || ' new branch opening hours; call us to book a meeting.","link_url":'
               || '"https://bank.example/offers/' || x || '"}',
               printf('p%063d', x), printf('h%063d', x), 1, 'linkedin', x,
               'archived post number ' || x
        FROM n
    """), {"count": count})
