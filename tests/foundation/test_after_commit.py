"""Side effects after the commit: queued on the session, run after the outermost commit,
dropped on a rollback (also of the savepoint they were queued in); mail goes that way."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from advisor_hub import create_app
from advisor_hub.accounts import services as accounts
from advisor_hub.accounts.models import User
from advisor_hub.db import after_commit, database, get_session
from advisor_hub.notifications.models import Notification
from advisor_hub.notifications.services import N_, notify
from tests.conftest import PASSWORD, app_config
from tests.lock_probe import write_elsewhere
from tests.mail_support import MAIL_CONFIG, SmtpRecorder, patch_smtp


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> SmtpRecorder:
    return patch_smtp(monkeypatch)


class Calls:
    def __init__(self) -> None:
        self.batches: list[list[Any]] = []

    def __call__(self, items: list[Any]) -> None:
        self.batches.append(list(items))


@pytest.fixture
def calls() -> Calls:
    return Calls()


def test_each_handler_runs_once_after_the_commit_with_its_items_in_order(app, calls) -> None:
    other = Calls()
    with app.app_context():
        session = get_session()
        accounts.create_branch(session, actor=None, name="Lyon")
        after_commit(session, calls, 1)
        after_commit(session, other, "x")
        after_commit(session, calls, 2)
        session.flush()
        assert calls.batches == [] and other.batches == []
        session.commit()
        assert calls.batches == [[1, 2]] and other.batches == [["x"]]
        session.commit()  # nothing queued since: nothing runs again
        assert calls.batches == [[1, 2]]


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_a_rollback_or_a_close_without_commit_drops_what_was_queued(app, calls, end) -> None:
    with app.app_context():
        session = get_session()
        accounts.create_branch(session, actor=None, name="Lyon")
        after_commit(session, calls, 1)
        getattr(session, end)()
        accounts.create_branch(session, actor=None, name="Nantes")
        session.commit()
    assert calls.batches == []


def test_a_savepoint_rollback_drops_only_what_was_queued_inside_it(app, calls) -> None:
    with app.app_context():
        session = get_session()
        after_commit(session, calls, "before")
        savepoint = session.begin_nested()
        after_commit(session, calls, "in the savepoint")
        with session.begin_nested():
            after_commit(session, calls, "in a released inner savepoint")
        savepoint.rollback()
        with session.begin_nested():
            after_commit(session, calls, "in a released savepoint")
        after_commit(session, calls, "after")
        session.commit()
    assert calls.batches == [["before", "in a released savepoint", "after"]]


def test_a_failing_handler_is_logged_and_neither_the_commit_nor_the_others_suffer(
        app, calls, caplog) -> None:
    def broken(items: list[Any]) -> None:
        raise RuntimeError("boom")

    with app.app_context():
        session = get_session()
        branch = accounts.create_branch(session, actor=None, name="Lyon")
        after_commit(session, broken, 1)
        after_commit(session, calls, 2)
        with caplog.at_level(logging.ERROR, logger="advisor_hub.db"):
            session.commit()
        assert calls.batches == [[2]]
        assert "after-commit handler" in caplog.text and "broken" in caplog.text
        assert session.get(type(branch), branch.id) is not None


# --- mail -----------------------------------------------------------------------------------


@pytest.fixture
def mail_app(fresh_database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The real app on a database of its own: commits are real, other connections see them."""
    app = create_app(app_config(fresh_database_url, tmp_path, **MAIL_CONFIG))
    yield app
    database(app).engine.dispose()


def _user(session: Any, email: str = "reader@example.com", language: str = "en") -> User:
    return accounts.create_user(session, actor=None, email=email, first_name="Rea",
                                last_name="Der", password=PASSWORD, roles=("advisor",),
                                branch_id=None, language=language)


@pytest.mark.both_backends
def test_mail_leaves_after_the_commit_and_holds_no_lock(mail_app, smtp: SmtpRecorder,
                                                        fresh_database_url) -> None:
    seen: list[int] = []

    def while_sending(message: Any) -> None:
        # The row is committed (another connection sees it) and nothing is locked: another
        # connection can write the very row the transaction wrote.
        seen.append(write_elsewhere(fresh_database_url, update(Notification).values(url="/x")))

    smtp.on_send = while_sending
    with mail_app.app_context():
        session = get_session()
        user = _user(session)
        notify(session, user, N_("Your preferences are saved."), url="/preferences")
        session.flush()
        assert smtp.connections == [] and smtp.sent == []  # not inside the transaction
        session.commit()
    assert seen == [1]
    assert len(smtp.sent) == 1 and smtp.connections == [("smtp.example.test", 2525, 10)]
    message = smtp.sent[0]
    assert message["To"] == "reader@example.com"
    assert message["Subject"] == "Your preferences are saved."
    assert smtp.logins == [("portal", "s3cret-smtp-password")]


@pytest.mark.both_backends
def test_mail_queued_in_a_transaction_that_rolls_back_is_never_sent(mail_app, smtp) -> None:
    with mail_app.app_context():
        session = get_session()
        user = _user(session)
        session.commit()
        notify(session, user, N_("Your preferences are saved."))
        session.rollback()
        with session.begin_nested():  # the savepoint's mail goes with the savepoint
            notify(session, user, N_("Your preferences are saved."))
            session.get_nested_transaction().rollback()
        session.commit()
        assert session.scalar(select(func.count(Notification.id))) == 0
    assert smtp.connections == [] and smtp.sent == []


def test_every_mail_of_a_transaction_goes_over_one_connection(mail_app, smtp) -> None:
    with mail_app.app_context():
        session = get_session()
        users = [_user(session, f"r{i}@example.com") for i in range(3)]
        for user in users:
            notify(session, user, N_("Your preferences are saved."))
        session.commit()
    assert len(smtp.connections) == 1
    assert [m["To"] for m in smtp.sent] == [u.email for u in users]


def test_a_multiline_text_makes_a_one_line_subject(mail_app, smtp) -> None:
    with mail_app.app_context():
        session = get_session()
        notify(session, _user(session), N_("Changes were requested on your post: %(comment)s"),
               {"comment": "First line.\r\nBcc: victim@example.com\n\nThird line."})
        session.commit()
    message = smtp.sent[0]
    assert message["Subject"] == ("Changes were requested on your post: First line. "
                                  "Bcc: victim@example.com Third line.")
    assert message["Bcc"] is None
    assert "First line.\nBcc: victim@example.com\n\nThird line." in message.get_content()


@pytest.mark.parametrize("failure", [ConnectionRefusedError(111, "refused"),
                                     TimeoutError("timed out")])
def test_a_mail_server_down_is_logged_and_the_commit_stands(mail_app, smtp, caplog,
                                                            failure) -> None:
    def down() -> None:
        raise failure

    smtp.on_connect = down
    with mail_app.app_context():
        session = get_session()
        notify(session, _user(session), N_("Your preferences are saved."))
        with caplog.at_level(logging.ERROR):
            session.commit()
        assert session.scalar(select(func.count(Notification.id))) == 1
    assert "could not e-mail 1 message(s) through smtp.example.test:2525" in caplog.text
    assert "s3cret-smtp-password" not in caplog.text
