"""Small helpers every thin view uses: paging arguments, service errors onto forms, commit."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm

from advisor_hub.db import get_session
from advisor_hub.errors import DomainError


def page_arg() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def show_error_on_form(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal next to the field it concerns, else at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))


def commit() -> None:
    get_session().commit()
