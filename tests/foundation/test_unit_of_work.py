"""``web.unit_of_work``: the one savepoint → service → error onto the form → commit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, get_flashed_messages
from flask_babel import force_locale
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.exceptions import NotFound as HTTPNotFound
from wtforms import StringField

from advisor_hub import create_app
from advisor_hub.accounts import services as accounts
from advisor_hub.accounts.models import Branch
from advisor_hub.db import after_commit, database, get_session
from advisor_hub.errors import NotFound
from advisor_hub.web import unit_of_work
from tests.conftest import app_config


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()


@pytest.fixture
def real_app(fresh_database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(app_config(fresh_database_url, tmp_path))
    yield app
    database(app).engine.dispose()


def committed_branches(app: Flask) -> set[str]:
    """What another connection sees: only what was committed."""
    with database(app).engine.connect() as connection:
        return set(connection.scalars(select(Branch.name)))


@pytest.mark.both_backends
def test_the_block_is_committed_when_it_ends(real_app) -> None:
    with real_app.test_request_context("/", method="POST"):
        with unit_of_work() as work:
            accounts.create_branch(get_session(), actor=None, name="Lyon")
        assert work.done and work.error is None
        assert not get_session().in_transaction()
        assert get_flashed_messages() == []
    assert committed_branches(real_app) == {"Lyon"}


@pytest.mark.both_backends
def test_a_refusal_goes_next_to_its_field_in_french_and_undoes_only_the_block(real_app) -> None:
    reached = False
    with real_app.test_request_context("/", method="POST"), force_locale("fr"):
        session = get_session()
        accounts.create_branch(session, actor=None, name="Lyon")  # before: stays
        form = NameForm()
        with unit_of_work(form) as work:
            accounts.create_branch(session, actor=None, name="Nantes")
            accounts.create_branch(session, actor=None, name="lyon")  # a duplicate: refused
            reached = True
        assert not work.done and not reached
        assert form.name.errors == ["Une agence porte déjà ce nom."]
        assert committed_branches(real_app) == set()  # no commit either
        session.commit()
    assert committed_branches(real_app) == {"Lyon"}


def test_without_a_form_the_refusal_is_flashed(app) -> None:
    with app.test_request_context("/", method="POST"):
        with unit_of_work() as work:
            accounts.create_branch(get_session(), actor=None, name=" ")
        assert get_flashed_messages(with_categories=True) == [
            ("danger", "A branch needs a name.")]
        assert str(work.error) == "A branch needs a name."


def test_quiet_keeps_the_refusal_for_the_view(app) -> None:
    with app.test_request_context("/", method="POST"):
        with unit_of_work(quiet=True) as work:
            raise NotFound()
        assert isinstance(work.error, NotFound) and get_flashed_messages() == []


def test_missing_is_404_answers_not_found(app) -> None:
    with (app.test_request_context("/", method="POST"), pytest.raises(HTTPNotFound),
          unit_of_work(missing_is_404=True)):
        raise NotFound()


def test_other_errors_propagate_and_the_block_is_undone(app) -> None:
    with app.test_request_context("/", method="POST"):
        session = get_session()
        with pytest.raises(ZeroDivisionError), unit_of_work():
            accounts.create_branch(session, actor=None, name="Lyon")
            _ = 1 / 0
        assert session.scalar(select(Branch.id).where(Branch.name == "Lyon")) is None


def test_side_effects_of_a_refused_block_never_run(app) -> None:
    ran: list[list[str]] = []
    with app.test_request_context("/", method="POST"):
        with unit_of_work():
            after_commit(get_session(), ran.append, "mail about a branch that never was")
            accounts.create_branch(get_session(), actor=None, name="")
        with unit_of_work():
            after_commit(get_session(), ran.append, "mail about Lyon")
    assert ran == [["mail about Lyon"]]
