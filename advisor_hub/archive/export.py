"""Exports of a search result as CSV or JSON Lines, streamed in constant memory.

Rows come from the database in batches (``yield_per``) and leave as byte chunks; nothing
holds the whole result. The stream counts records and hashes the bytes as they go, so the
manifest (record count + SHA-256) is known when the last chunk has left. A filter is pinned
to the newest record id first, so the same export asked twice gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub import csvsafe
from advisor_hub.accounts.models import User
from advisor_hub.archive.models import ArchiveRecord
from advisor_hub.archive.services import ARCHIVE_ROLES, ArchiveFilter, filtered
from advisor_hub.db import utcnow
from advisor_hub.roles import require_role

FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
BATCH = 1000
CHUNK_BYTES = 64 * 1024

CSV_COLUMNS = ("id", "kind", "recorded_at", "actor_id", "advisor_id", "branch_id", "network",
               "post_id", "review_id", "text", "link_url", "media_sha256", "content_hash",
               "network_post_id", "network_post_url", "decision", "reason_code",
               "prev_hash", "record_hash", "payload")
_PAYLOAD_FIELDS = ("text", "link_url", "media_sha256", "content_hash", "network_post_id",
                   "network_post_url", "decision", "reason_code")
_COLUMNS = (ArchiveRecord.id, ArchiveRecord.kind, ArchiveRecord.recorded_at,
            ArchiveRecord.actor_id, ArchiveRecord.advisor_id, ArchiveRecord.branch_id,
            ArchiveRecord.network, ArchiveRecord.post_id, ArchiveRecord.review_id,
            ArchiveRecord.prev_hash, ArchiveRecord.record_hash, ArchiveRecord.payload)


class ExportStream:
    """Iterate to get the export's bytes; afterwards ``count`` and ``sha256`` are final."""

    def __init__(self, session: Session, filters: ArchiveFilter, fmt: str,
                 *, sessions: Callable[[], Session] | None = None) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}")
        self.session = session
        self.filters = filters.pinned(session)
        self.fmt = fmt
        self.count = 0
        self.size = 0
        self.first_id: int | None = None
        self.last_id: int | None = None
        self._digest = hashlib.sha256()
        self._sessions = sessions

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def __iter__(self) -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csvsafe.writer(buffer, lineterminator="\r\n")
        if self.fmt == "csv":
            writer.writerow(CSV_COLUMNS)
        for row in self._rows():
            self._write(row, buffer, writer)
            if buffer.tell() >= CHUNK_BYTES:
                yield self._take(buffer)
        if buffer.tell():
            yield self._take(buffer)

    def _rows(self) -> Iterator[Any]:
        query = filtered(select(*_COLUMNS), self.filters).order_by(ArchiveRecord.id)
        if self._sessions is None:
            # One query, streamed: Core execution on the session's connection (no ORM row
            # overhead); yield_per = server-side cursor on PostgreSQL, incremental fetch on
            # SQLite.
            yield from self.session.connection().execute(
                query.execution_options(yield_per=BATCH))
            return
        # Downloads: keyset batches, each in a short session of its own, so nothing stays
        # open between chunks (a slow or abandoned download holds no cursor or transaction).
        last_id = 0
        while True:
            with self._sessions() as session:
                batch = session.execute(query.where(ArchiveRecord.id > last_id)
                                        .limit(BATCH)).all()
            if not batch:
                return
            yield from batch
            last_id = batch[-1].id

    def _write(self, row: Any, buffer: io.StringIO, writer: Any) -> None:
        recorded_at = row.recorded_at.astimezone(UTC).isoformat(timespec="microseconds")
        if self.fmt == "csv":
            payload = json.loads(row.payload)
            fields = [payload.get(name) if isinstance(payload, dict) else None
                      for name in _PAYLOAD_FIELDS]
            writer.writerow([row.id, row.kind, recorded_at, row.actor_id, row.advisor_id,
                             row.branch_id, row.network, row.post_id, row.review_id,
                             *("" if f is None else f for f in fields),
                             row.prev_hash, row.record_hash, row.payload])
        else:
            # The payload string is embedded as-is (it is already canonical JSON), so a
            # reader can re-hash each line's record exactly.
            head = json.dumps({
                "id": row.id, "kind": row.kind, "recorded_at": recorded_at,
                "actor_id": row.actor_id, "prev_hash": row.prev_hash,
                "record_hash": row.record_hash,
            }, ensure_ascii=False, separators=(",", ":"))
            buffer.write(f'{head[:-1]},"payload":{row.payload}}}\n')
        self.count += 1
        if self.first_id is None:
            self.first_id = row.id
        self.last_id = row.id

    def _take(self, buffer: io.StringIO) -> bytes:
        chunk = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        self._digest.update(chunk)
        self.size += len(chunk)
        return chunk

    def manifest(self) -> dict[str, Any]:
        return {
            "format": self.fmt,
            "record_count": self.count,
            "sha256": self.sha256,
            "bytes": self.size,
            "first_id": self.first_id,
            "last_id": self.last_id,
            "filters": self.filters.as_args(),
            "generated_at": utcnow().isoformat(timespec="seconds"),
        }


def export_records(
    session: Session, *, actor: User | None, filters: ArchiveFilter, fmt: str,
    sessions: Callable[[], Session] | None = None,
) -> ExportStream:
    """An export of a search result (``actor`` None: the operator's CLI). With ``sessions``
    (a session factory) rows are read in keyset batches, one short session each."""
    if actor is not None:
        require_role(actor, *ARCHIVE_ROLES)
    return ExportStream(session, filters, fmt, sessions=sessions)


def export_manifest(
    session: Session, *, actor: User | None, filters: ArchiveFilter, fmt: str
) -> dict[str, Any]:
    """Stream the export once without keeping it: its record count and SHA-256."""
    stream = export_records(session, actor=actor, filters=filters, fmt=fmt)
    for _chunk in stream:
        pass
    return stream.manifest()
