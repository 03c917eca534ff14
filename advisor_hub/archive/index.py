"""Search columns derived from a record's payload when it is appended.

Payload keys read (publishing and approvals write them; missing keys leave the column empty):
publication: ``advisor_id`` (or ``author_id``), ``branch_id``, ``network``, ``post_id``,
``review_id``; decision: ``author_id``, ``branch_id`` (optional), ``review_id``, ``kind`` and
``subject_id`` (a decision on a ``post`` points at that post). ``search_text`` holds every
string value of the payload, lower-cased, for the full-text filter.
"""

from __future__ import annotations

from typing import Any


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for _k, v in sorted(value.items()) for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def derive(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The search columns of a record (pure: verification re-derives and compares)."""
    advisor_id = _int(payload.get("advisor_id"))
    if advisor_id is None:
        advisor_id = _int(payload.get("author_id"))
    post_id = _int(payload.get("post_id"))
    if post_id is None and kind == "decision" and payload.get("kind") == "post":
        post_id = _int(payload.get("subject_id"))
    network = payload.get("network")
    return {
        "advisor_id": advisor_id,
        "branch_id": _int(payload.get("branch_id")),
        "network": str(network)[:32] if network else None,
        "post_id": post_id,
        "review_id": _int(payload.get("review_id")),
        "search_text": "\n".join(_strings(payload)).lower() or None,
    }


# Columns whose value must always equal ``derive``'s (branch_id may come from the user row
# when the payload has none, so it is compared only when the payload holds one).
DERIVED = ("advisor_id", "network", "post_id", "review_id", "search_text")
