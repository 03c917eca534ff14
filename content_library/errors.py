"""The library's domain errors."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from advisor_hub.errors import ValidationError


class RenderError(ValidationError):
    """A placeholder is unknown, malformed or has no value: nothing is rendered."""

    default_message = _l("The message could not be personalised.")


class ImportFailed(ValidationError):
    """An import found bad rows (or a bad file) and imported nothing."""

    def __init__(self, errors: list[tuple[int, str]], message: object | None = None) -> None:
        self.errors = errors
        super().__init__(message or _l("The file has errors; nothing was imported."))
