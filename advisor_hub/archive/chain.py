"""The hash chain over archive records: canonical JSON, SHA-256, one genesis value."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def record_hash(
    *, prev_hash: str, kind: str, recorded_at: datetime, actor_id: int | None, payload: str
) -> str:
    envelope = canonical_json({
        "prev_hash": prev_hash,
        "kind": kind,
        "recorded_at": recorded_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "payload": payload,
    })
    return hashlib.sha256(envelope.encode("utf-8")).hexdigest()
