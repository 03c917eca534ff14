"""Who reviews content and keeps the policy."""

from __future__ import annotations

from typing import Final

from advisor_hub.roles import Role

REVIEWERS: Final = (Role.COMPLIANCE, Role.SENIOR_COMPLIANCE)
