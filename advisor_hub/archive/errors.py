from __future__ import annotations

from flask_babel import lazy_gettext as _l

from advisor_hub.errors import DomainError, ValidationError


class ArchiveIsAppendOnly(DomainError):
    """Raised by the session guard when code tries to update or delete an archive row."""

    default_message = _l("The archive is append-only: records are never changed or deleted.")


class InvalidHold(ValidationError):
    default_message = _l("A legal hold needs an advisor or a date range.")


class ChainBroken(DomainError):
    default_message = _l("The archive chain is broken; purge refused until it is investigated.")
