"""Small helpers every thin view uses: paging arguments, the unit of work, service errors onto
forms, commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import abort, flash, request
from flask_wtf import FlaskForm

from advisor_hub.db import get_session
from advisor_hub.errors import DomainError, NotFound, ValidationErrors


def page_arg() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def show_error_on_form(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal next to the field it concerns, else at the top of the form
    (each of them, when the service found several at once)."""
    for one in error.errors if isinstance(error, ValidationErrors) else [error]:
        field = getattr(form, one.field, None) if one.field else None
        if field is not None:
            field.errors = [*field.errors, str(one)]
        else:
            form.form_errors.append(str(one))


@dataclass
class Work:
    """What a unit of work came to: ``done`` (committed), or refused with ``error``."""

    done: bool = False
    error: DomainError | None = None


@contextmanager
def unit_of_work(form: FlaskForm | None = None, *, quiet: bool = False,
                 missing_is_404: bool = False) -> Iterator[Work]:
    """Run the block's service calls as one unit: in a savepoint of the request's session,
    committed when the block ends normally.

    A :class:`DomainError` raised in the block undoes what the block did (the savepoint rolls
    back), skips the rest of the block and the commit, and is shown in the user's language:
    next to its field on ``form``, or without a form flashed as "danger" (``quiet``: only
    kept in ``work.error``). ``missing_is_404``: a :class:`NotFound` answers 404 instead.
    Any other exception propagates (the request's teardown rolls back). ::

        with unit_of_work(form) as work:
            post = services.compose_post(session, ...)
        if work.done:
            flash(...)
            return redirect(...)
    """
    session = get_session()
    work = Work()
    try:
        with session.begin_nested():
            yield work
    except DomainError as error:
        if missing_is_404 and isinstance(error, NotFound):
            abort(404)
        work.error = error
        if form is not None:
            show_error_on_form(form, error)
        elif not quiet:
            flash(str(error), "danger")
        return
    session.commit()
    work.done = True


def commit() -> None:
    get_session().commit()
