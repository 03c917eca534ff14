"""The conversations package's refusals (shown in the user's language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from advisor_hub.errors import Conflict, ValidationError


class ReplyRefused(ValidationError):
    """The reply may not go out as written."""

    default_message = _l("This reply cannot be sent.")


class RepeatsClientData(ReplyRefused):
    default_message = _l("The reply repeats the client's sensitive data (an account, card or "
                         "phone number): never repeat it in public. Ask the client to contact "
                         "you privately instead.")


class CannotAnswer(Conflict):
    default_message = _l("This comment can no longer be answered here.")
