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
