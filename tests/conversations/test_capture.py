"""Capture over real HTTP against the Sandbox: incremental, idempotent across passes, apps
("restarts") and processes, archived with the chain verified, respecting the read buckets and
the network's holds; comments deleted on the network stay in the archive, marked deleted."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advisor_hub.archive.integrity import verify_chain
from advisor_hub.archive.models import ArchiveRecord
from advisor_hub.connectors.models import HoldCause, NetworkHold
from advisor_hub.connectors.rules import Limit, Scope
from advisor_hub.conversations import capture
from advisor_hub.conversations.models import CaptureCursor, Comment
from advisor_hub.db import utcnow
from advisor_hub.sandbox import SandboxServer
from tests.conversations.conftest import Published, client_comments, settings_for


def run(app: Any, db_session: Session, **config: Any) -> capture.PassReport:
    with app.app_context():
        return capture.capture_comments(db_session, utcnow(), config={**app.config, **config})


def comments(db_session: Session) -> list[Comment]:
    return list(db_session.scalars(select(Comment).order_by(Comment.created_at, Comment.id)))


def test_capture_reads_new_comments_once_with_their_post_and_author(
        app, db_session, sandbox: SandboxServer, published: Published) -> None:
    client_comments(sandbox.url, published.network_post_id, "What is the rate for a PEL?")
    client_comments(sandbox.url, published.network_post_id, "Thanks!", name="Marc Leroy")
    first = run(app, db_session)
    assert first.new_comments == 2
    stored = comments(db_session)
    assert [(c.author_name, c.text) for c in stored] == [
        ("Claire Petit", "What is the rate for a PEL?"), ("Marc Leroy", "Thanks!")]
    assert {c.post_id for c in stored} == {published.post.id}
    assert {c.advisor_id for c in stored} == {published.advisor.id}
    assert stored[0].author_external_id == "sbx-client-claire"
    # A second pass reads nothing new (the cursor), and stores nothing twice.
    assert run(app, db_session, CONVERSATIONS_CAPTURE_INTERVAL_SECONDS=1).new_comments == 0
    cursor = db_session.get(CaptureCursor, published.target.id)
    assert cursor is not None and cursor.cursor and cursor.comments_seen == 2


def test_the_cursor_makes_the_next_read_incremental(app, db_session, sandbox, published) -> None:
    client_comments(sandbox.url, published.network_post_id, "First")
    run(app, db_session)
    db_session.get(CaptureCursor, published.target.id).next_run_at = None
    client_comments(sandbox.url, published.network_post_id, "Second")
    report = run(app, db_session)
    assert report.new_comments == 1
    assert [c.text for c in comments(db_session)] == ["First", "Second"]


def test_replies_to_comments_are_captured_with_their_parent(app, db_session, sandbox,
                                                            published) -> None:
    client_comments(sandbox.url, published.network_post_id, "Question")
    parent = sandbox.state.comments_for(published.network_post_id)[0]
    client_comments(sandbox.url, published.network_post_id, "Same question", name="Marc Leroy",
                    parent_id=parent.id)
    run(app, db_session)
    reply = next(c for c in comments(db_session) if c.text == "Same question")
    assert reply.parent_external_id == parent.id and reply.is_reply


def test_every_comment_is_archived_and_the_chain_verifies(app, db_session, sandbox,
                                                          published) -> None:
    client_comments(sandbox.url, published.network_post_id, "Bonjour, quel taux ?")
    run(app, db_session)
    records = list(db_session.scalars(select(ArchiveRecord).where(ArchiveRecord.kind == "comment")))
    assert len(records) == 1
    payload = json.loads(records[0].payload)
    assert payload["text"] == "Bonjour, quel taux ?"
    assert payload["author_name"] == "Claire Petit"
    assert payload["author_network_id"] == "sbx-client-claire"
    assert payload["network_post_id"] == published.network_post_id
    assert payload["network_comment_id"] == comments(db_session)[0].external_id
    assert records[0].post_id == published.post.id
    assert records[0].advisor_id == published.advisor.id
    assert records[0].network == "sandbox"
    assert verify_chain(db_session).ok


def test_a_comment_deleted_on_the_network_stays_archived_marked_deleted(
        app, db_session, sandbox, published) -> None:
    client_comments(sandbox.url, published.network_post_id, "Oops, wrong post")
    run(app, db_session)
    sandbox.state.delete_comment(sandbox.state.comments[0].id)
    with app.app_context():
        marked = capture.sweep_deleted(db_session, utcnow(), config=app.config)
    assert marked == 1
    (comment,) = comments(db_session)
    assert comment.deleted_at is not None and comment.text == "Oops, wrong post"
    events = [json.loads(r.payload)["event"] for r in db_session.scalars(
        select(ArchiveRecord).where(ArchiveRecord.kind == "comment").order_by(ArchiveRecord.id))]
    assert events == ["captured", "deleted"]
    assert verify_chain(db_session).ok


def test_an_empty_read_bucket_puts_the_post_off_without_calling(app, db_session, sandbox,
                                                                published) -> None:
    client_comments(sandbox.url, published.network_post_id, "Hello")
    one_read = {"sandbox": [Limit(Scope.ACCOUNT, 1, 3600)]}
    assert run(app, db_session, CONNECTOR_READ_LIMITS=one_read).new_comments == 1
    db_session.get(CaptureCursor, published.target.id).next_run_at = None
    calls = sandbox.state.requests["comments"]
    report = run(app, db_session, CONNECTOR_READ_LIMITS=one_read)
    assert report.deferred == 1
    assert sandbox.state.requests["comments"] == calls  # no request went out
    assert db_session.get(CaptureCursor, published.target.id).next_run_at > utcnow()


def test_a_held_network_is_not_read(app, db_session, sandbox, published) -> None:
    db_session.add(NetworkHold(network="sandbox", cause=HoldCause.MANUAL, detail="test"))
    db_session.flush()
    assert run(app, db_session).posts == 0
    assert sandbox.state.requests["comments"] == 0


def test_a_rate_limited_read_is_put_off_with_the_network_s_delay(app, db_session, sandbox,
                                                                 published) -> None:
    sandbox.state.add_fault("comments", "rate_limit", retry_after=120)
    report = run(app, db_session)
    assert report.deferred == 1
    cursor = db_session.get(CaptureCursor, published.target.id)
    assert cursor.next_run_at >= utcnow() + timedelta(seconds=100)
    assert "slow down" in (cursor.last_error or "")


def test_linkedin_and_x_are_not_captured_by_default(app) -> None:
    assert capture.capturing_networks(app.config) == ["facebook", "sandbox"]
    assert capture.capturing_networks({**app.config, "X_CAPTURE_REPLIES": "true",
                                       "LINKEDIN_CAPTURE_COMMENTS": "true"}) == [
        "facebook", "x", "sandbox"]


# --- across apps and processes -----------------------------------------------------------------


@pytest.fixture
def committed(fresh_database_url: str, sandbox: SandboxServer, tmp_path) -> Any:
    """A database of its own with real commits, and a post published on the Sandbox."""
    from advisor_hub import create_app
    from advisor_hub.db import transaction
    from tests.conftest import Factory, app_config
    from tests.conversations.conftest import publish_on_sandbox

    def make_app() -> Any:
        return create_app(app_config(fresh_database_url, tmp_path,
                                     **settings_for(sandbox.url)))

    app = make_app()
    with app.app_context(), transaction() as session:
        factory = Factory(session)
        advisor = factory.user("advisor", branch=factory.branch("Lille"))
        published = publish_on_sandbox(session, sandbox.url, advisor)
        post_id = published.network_post_id
    return make_app, post_id


def _count(make_app: Any) -> tuple[int, int]:
    app = make_app()
    with app.app_context():
        from advisor_hub.db import get_session

        session = get_session()
        return (session.scalar(select(func.count()).select_from(Comment)),
                session.scalar(select(func.count()).select_from(ArchiveRecord)
                               .where(ArchiveRecord.kind == "comment")))


def test_a_restarted_app_resumes_from_the_stored_cursor(committed, sandbox) -> None:
    from advisor_hub.conversations.jobs import JOBS
    from advisor_hub.publishing.scheduler import run_job

    make_app, post_id = committed
    capture_job = next(j for j in JOBS if j.name == "conversations.capture")
    client_comments(sandbox.url, post_id, "Before the restart")
    run_job(make_app(), capture_job)
    client_comments(sandbox.url, post_id, "After the restart")
    restarted = make_app()
    with restarted.app_context():
        from advisor_hub.db import transaction

        with transaction() as session:
            for cursor in session.scalars(select(CaptureCursor)):
                cursor.next_run_at = None
    run_job(restarted, capture_job)
    run_job(make_app(), capture_job)
    assert _count(make_app) == (2, 2)


@pytest.mark.both_backends
def test_two_processes_capturing_at_once_store_each_comment_once(committed, sandbox,
                                                                 backend) -> None:
    import os
    import subprocess
    import sys

    from advisor_hub import ROOT
    from tests.publishing.conftest import KEY

    make_app, post_id = committed
    for n in range(12):
        client_comments(sandbox.url, post_id, f"Comment {n}")
    app = make_app()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (
        str(ROOT), os.environ.get("PYTHONPATH"))))}
    processes = [subprocess.Popen(
        [sys.executable, "-m", "tests.support.capture_worker",
         "--database-url", app.config["DATABASE_URL"], "--sandbox-url", sandbox.url,
         f"--token-key={KEY}", "--passes", "3"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)]
    for process in processes:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-3000:]
    assert _count(make_app) == (12, 12)
    with make_app().app_context():
        from advisor_hub.db import get_session

        assert verify_chain(get_session()).ok
