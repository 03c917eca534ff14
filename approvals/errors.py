"""Refusals of the approvals services (shown to the user in their language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from advisor_hub.errors import Conflict, PermissionDenied, ValidationError


class AlreadyDecided(Conflict):
    default_message = _l("This item has already been decided; nothing was changed.")


class ClaimedByOther(Conflict):
    default_message = _l("Another reviewer is working on this item; nothing was changed.")


class OwnContent(PermissionDenied):
    default_message = _l("You cannot review your own content.")


class SeniorOnly(PermissionDenied):
    default_message = _l("Only a senior compliance reviewer can do this.")


class BadDecision(ValidationError):
    default_message = _l("This decision is not valid.")


class NeedsReview(ValidationError):
    default_message = _l("The automatic screening found something in this text: it must be "
                         "reviewed by compliance.")


class EditedContent(PermissionDenied):
    default_message = _l("You edited or submitted this content, so you cannot decide on it: "
                         "another reviewer must.")
