"""Exports: the manifest's count and SHA-256 match the file; memory stays flat."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tracemalloc

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from advisor_hub.archive.chain import record_hash
from advisor_hub.archive.export import export_manifest, export_records
from advisor_hub.archive.services import ArchiveFilter
from tests.archive.helpers import append_many, sql_seed


@pytest.mark.both_backends
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_manifest_matches_the_export(db_session, factory, fmt) -> None:
    advisor = factory.user()
    append_many(db_session, advisor.id, 7)
    stream = export_records(db_session, actor=None, filters=ArchiveFilter(), fmt=fmt)
    data = b"".join(stream)
    manifest = stream.manifest()
    assert manifest["record_count"] == 7
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    again = export_manifest(db_session, actor=None, filters=stream.filters, fmt=fmt)
    assert again["sha256"] == manifest["sha256"]
    # Pinned: records appended later do not change a pinned export.
    append_many(db_session, advisor.id, 1)
    assert export_manifest(db_session, actor=None, filters=stream.filters,
                           fmt=fmt)["sha256"] == manifest["sha256"]


def test_jsonl_lines_can_be_rehashed(db_session, factory) -> None:
    from datetime import datetime

    append_many(db_session, factory.user().id, 3)
    data = b"".join(export_records(db_session, actor=None, filters=ArchiveFilter(),
                                   fmt="jsonl"))
    prev = None
    for line in data.decode().splitlines():
        raw = json.loads(line)
        payload = line[line.index('"payload":') + len('"payload":'):-1]
        assert record_hash(prev_hash=raw["prev_hash"], kind=raw["kind"],
                           recorded_at=datetime.fromisoformat(raw["recorded_at"]),
                           actor_id=raw["actor_id"], payload=payload) == raw["record_hash"]
        assert prev is None or raw["prev_hash"] == prev
        prev = raw["record_hash"]


def test_csv_has_the_post_fields(db_session, factory) -> None:
    from advisor_hub.archive.services import append_record
    from tests.archive.helpers import publication

    advisor = factory.user()
    append_many(db_session, advisor.id, 2)
    append_record(db_session, kind="publication",
                  payload=publication(advisor.id, text="Épargne, \"quoted\",\nline two"))
    data = b"".join(export_records(db_session, actor=None, filters=ArchiveFilter(q="ÉPARGNE"),
                                   fmt="csv"))
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert [r["text"] for r in rows] == ['Épargne, "quoted",\nline two']
    assert rows[0]["network"] == "linkedin" and rows[0]["record_hash"]


def test_cli_export_writes_file_and_manifest(app, db_session, factory, runner,
                                             tmp_path) -> None:
    append_many(db_session, factory.user().id, 4)
    db_session.flush()
    output = tmp_path / "out.csv"
    result = runner.invoke(args=["archive-export", "--from", "2000-01-01", "--to", "2100-01-01",
                                 "--format", "csv", "--output", str(output)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    assert manifest["record_count"] == 4
    assert manifest["sha256"] == hashlib.sha256(output.read_bytes()).hexdigest()
    assert manifest["filters"]["date_from"] == "2000-01-01"


def _peak(db_session, upto: int, keyset: bool) -> tuple[int, int]:
    sessions = (lambda: Session(bind=db_session.connection(),
                                join_transaction_mode="create_savepoint")) if keyset else None
    tracemalloc.start()
    tracemalloc.reset_peak()
    stream = export_records(db_session, actor=None, filters=ArchiveFilter(upto_id=upto),
                            fmt="jsonl", sessions=sessions)
    for _chunk in stream:
        pass
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, stream.count


def test_streaming_export_memory_is_flat(db_session) -> None:
    # JSON Lines: the same streaming path as CSV, cheaper to trace (tracemalloc is slow).
    sql_seed(db_session, 100_000)
    first = db_session.scalar(text("SELECT MIN(id) FROM archive_records"))
    _peak(db_session, first + 100, False)  # warm-up: compiled statements, caches
    small, n_small = _peak(db_session, first + 9_999, False)
    large, n_large = _peak(db_session, first + 99_999, False)
    assert (n_small, n_large) == (10_000, 100_000)
    # Ten times the records, about the same peak (a buffered export would need ~10x).
    assert large < small * 1.5 + 512 * 1024, (small, large)


def test_downloads_read_in_bounded_keyset_batches(db_session, count_queries,
                                                  monkeypatch) -> None:
    from advisor_hub.archive import export

    monkeypatch.setattr(export, "BATCH", 100)
    sql_seed(db_session, 250)
    sessions = lambda: Session(bind=db_session.connection(),  # noqa: E731
                               join_transaction_mode="create_savepoint")
    keyset = export_records(db_session, actor=None, filters=ArchiveFilter(), fmt="csv",
                            sessions=sessions)
    with count_queries() as counter:
        data = b"".join(keyset)
    selects = [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 4 and all("LIMIT" in s for s in selects)  # 100 + 100 + 50 + none
    single = export_records(db_session, actor=None, filters=keyset.filters, fmt="csv")
    assert b"".join(single) == data and keyset.count == 250
