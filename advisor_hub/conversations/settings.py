"""The firm's settings for conversations (``app.config``), each with a safe default.

* ``REPLY_REVIEW_MODE``: ``"pre"`` (every free-form reply goes to compliance's queue first) or
  ``"post"`` (clean replies go out at once and a sample is reviewed afterwards; a reply with
  any finding goes to the queue first). Anything else is read as ``"pre"`` (fail closed).
* ``REPLY_SAMPLE_RATE``: the share of clean post-review replies sampled (0.1);
  ``REPLY_SAMPLE_RATE_BY_BRANCH``: ``{branch_id: rate}`` overriding it per branch;
  ``REPLY_SAMPLE_RATE_RECENT_FINDINGS``: the rate for an advisor whose reply had a finding,
  or whose sampled reply was not approved, in the last ``REPLY_RECENT_FINDINGS_DAYS`` (1.0, 30).
* ``X_CAPTURE_REPLIES``: read X replies (billed per post read: off by default).
* ``LINKEDIN_CAPTURE_COMMENTS``: records that the firm has LinkedIn partner access; comments on
  members' posts still are not read (no partner integration in this version).
* ``CONVERSATIONS_CAPTURE_DAYS``: posts published this long ago are still read (30; X's
  recent search reaches 7 days back whatever this says).
* ``CONVERSATIONS_CAPTURE_INTERVAL_SECONDS``: a post is read at most this often (60).
* ``CONVERSATIONS_SWEEP_SECONDS``: how often a full listing looks for deleted comments (3600).
* ``CONVERSATIONS_ESCALATION_TARGET_MINUTES`` / ``..._LEGAL_TARGET_MINUTES``: response-time
  targets in business minutes (``REVIEW_BUSINESS_HOURS``) for compliance and for legal.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class ReviewMode(StrEnum):
    PRE = "pre"
    POST = "post"


def _float(value: Any, default: float) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError):
        return default
    return min(1.0, max(0.0, rate))


def review_mode(config: Mapping[str, Any]) -> ReviewMode:
    value = str(config.get("REPLY_REVIEW_MODE") or "pre").strip().lower()
    return ReviewMode.POST if value == ReviewMode.POST else ReviewMode.PRE


def sample_rate(config: Mapping[str, Any], *, branch_id: int | None,
                recent_findings: bool) -> float:
    if recent_findings:
        return _float(config.get("REPLY_SAMPLE_RATE_RECENT_FINDINGS", 1.0), 1.0)
    by_branch = config.get("REPLY_SAMPLE_RATE_BY_BRANCH") or {}
    if branch_id is not None and (branch_id in by_branch or str(branch_id) in by_branch):
        return _float(by_branch.get(branch_id, by_branch.get(str(branch_id))), 1.0)
    return _float(config.get("REPLY_SAMPLE_RATE", 0.1), 0.1)


def recent_findings_days(config: Mapping[str, Any]) -> int:
    return max(1, int(config.get("REPLY_RECENT_FINDINGS_DAYS") or 30))


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def x_capture(config: Mapping[str, Any]) -> bool:
    return _flag(config.get("X_CAPTURE_REPLIES", False))


def linkedin_flag(config: Mapping[str, Any]) -> bool:
    return _flag(config.get("LINKEDIN_CAPTURE_COMMENTS", False))


def capture_days(config: Mapping[str, Any]) -> int:
    return max(1, int(config.get("CONVERSATIONS_CAPTURE_DAYS") or 30))


def capture_interval(config: Mapping[str, Any]) -> int:
    return max(1, int(config.get("CONVERSATIONS_CAPTURE_INTERVAL_SECONDS") or 60))


def sweep_seconds(config: Mapping[str, Any]) -> int:
    return max(60, int(config.get("CONVERSATIONS_SWEEP_SECONDS") or 3600))


def escalation_target(config: Mapping[str, Any], *, legal: bool) -> int:
    key = ("CONVERSATIONS_LEGAL_TARGET_MINUTES" if legal
           else "CONVERSATIONS_ESCALATION_TARGET_MINUTES")
    return max(1, int(config.get(key) or (960 if legal else 240)))
