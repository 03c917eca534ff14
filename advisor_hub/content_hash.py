"""The content hash that ties a publication to its approval (DESIGN.md invariant 1).

One definition for the whole product: approvals record it, the publisher recomputes it from
the exact text, link and media it is about to send, and the archive keeps it.
"""

from __future__ import annotations

import hashlib
import json


def content_hash(text: str, link_url: str | None = None, media_sha256: str | None = None) -> str:
    canonical = json.dumps(
        {"text": text, "link_url": link_url or "", "media_sha256": media_sha256 or ""},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
