"""Domain exceptions shared by every package. Messages are lazy strings in the user's language."""

from __future__ import annotations

import click
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A business rule refused the operation; nothing was changed."""

    default_message = _l("The operation was refused.")

    def __init__(self, message: object | None = None, *, field: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class ValidationError(DomainError):
    default_message = _l("The data given is not valid.")


class ValidationErrors(ValidationError):
    """Several refusals found at once, each naming its field: a form shows every one of them
    (without a form, ``str`` reads them one after the other)."""

    def __init__(self, errors: list[ValidationError]) -> None:
        self.errors = list(errors)
        super().__init__(self.errors[0].message, field=self.errors[0].field)

    def __str__(self) -> str:
        return " ".join(str(error) for error in self.errors)

    @classmethod
    def raise_if_any(cls, errors: list[ValidationError]) -> None:
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise cls(errors)


class PermissionDenied(DomainError):
    default_message = _l("You do not have permission to do that.")


class NotFound(DomainError):
    default_message = _l("Not found.")


class Conflict(DomainError):
    default_message = _l("Someone else changed this first; reload and try again.")


class StartupError(click.ClickException):
    """The app cannot start as configured: one line saying what is wrong and what to set.

    A click exception, so ``flask run``/``flask <command>`` print ``Error: <message>`` and
    exit 1 instead of a traceback; the gunicorn hook (advisor_hub.startup) prints it the same
    way. Messages are for operators, in English, never translated."""

    exit_code = 1
