"""How long things last: a pending review or an unused approval, a reviewer's claim."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context

# Approvals of these kinds expire when not used within REVIEW_EXPIRY_DAYS; library items and
# linked accounts stay approved (their validity window and retirement govern them).
APPROVAL_EXPIRY_KINDS = ("post",)


def _config(name: str, default: Any) -> Any:
    return current_app.config.get(name, default) if has_app_context() else default


def expiry_days() -> int:
    return int(_config("REVIEW_EXPIRY_DAYS", 90))


def claim_minutes() -> int:
    return int(_config("REVIEW_CLAIM_MINUTES", 15))


def approval_expires(kind: str, decided_at: datetime) -> datetime | None:
    """Until when an approval of ``kind`` decided at ``decided_at`` stands unused (None:
    no limit)."""
    kinds = _config("REVIEW_APPROVAL_EXPIRY_KINDS", APPROVAL_EXPIRY_KINDS)
    return decided_at + timedelta(days=expiry_days()) if kind in kinds else None
