"""The campaigns feature's refusals (domain errors: shown in the user's language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from advisor_hub.errors import DomainError, PermissionDenied


class NotInAudience(PermissionDenied):
    default_message = _l("This campaign is not meant for you.")


class CampaignClosed(DomainError):
    default_message = _l("This campaign is not open to opt in (not approved, or over).")


class LinkRefused(DomainError):
    """A digest link that cannot be used: ``status`` is the HTTP answer."""

    default_message = _l("This link cannot be used.")

    def __init__(self, message: object | None = None, *, status: int = 410) -> None:
        super().__init__(message)
        self.status = status
