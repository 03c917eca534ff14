"""#12.4: /healthz and the scheduler health page tell the truth.

A scheduler's round writes its heartbeat (``scheduler.dispatch_tick``, as the loop does);
ages are the database's.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from advisor_hub.publishing.clock import read_db_now
from advisor_hub.publishing.heartbeat import Beat, SchedulerHeartbeat, write_heartbeat
from advisor_hub.publishing.models import TargetState
from advisor_hub.publishing.scheduler import dispatch_tick
from tests.publishing.helpers import library_post


def _age_heartbeats(db_session, seconds: float) -> None:
    for beat in db_session.scalars(select(SchedulerHeartbeat)):
        for name in ("started_at", "last_tick_at", "last_ok_at", "last_error_at"):
            if getattr(beat, name) is not None:
                setattr(beat, name, getattr(beat, name) - timedelta(seconds=seconds))
    db_session.flush()


@pytest.mark.both_backends
def test_no_scheduler_means_503(client, backend):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["database"] == "ok"
    assert body["schedulers"] == [] and body["problems"] == ["no_scheduler"]


@pytest.mark.both_backends
def test_a_scheduler_that_ticked_means_200_and_is_listed(app, client, db_session, backend):
    dispatch_tick(app)
    response = client.get("/healthz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ok" and body["problems"] == []
    (scheduler,) = body["schedulers"]
    assert scheduler["state"] == "ok" and scheduler["last_tick_age_seconds"] < 30
    assert body["dispatch"] == {"due_rows": 0, "readable": True,
                                "oldest_due_age_seconds": None, "needs_check": 0}


def test_a_scheduler_silent_too_long_means_503(app, client, db_session):
    dispatch_tick(app)
    _age_heartbeats(db_session, 61)  # HEALTH_SCHEDULER_MAX_AGE_SECONDS: 60
    body = client.get("/healthz").get_json()
    assert body["problems"] == ["no_scheduler"]
    assert body["schedulers"][0]["state"] == "stale"
    # One live scheduler among dead ones is enough.
    dispatch_tick(app)  # the same process: ticks again
    write_heartbeat(db_session, "other-host:4242:dead", Beat())
    _age_heartbeats(db_session, 0)
    db_session.execute(SchedulerHeartbeat.__table__.update()
                       .where(SchedulerHeartbeat.process == "other-host:4242:dead")
                       .values(last_ok_at=read_db_now(db_session) - timedelta(hours=1)))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert sorted(s["state"] for s in response.get_json()["schedulers"]) == ["ok", "stale"]


def test_a_failing_round_is_shown_and_a_lag_means_503(app, client, db_session, fakes, link,
                                                      advisor, monkeypatch):
    account = link(advisor)
    post = library_post(db_session, advisor, [account], fakes.library.add_version().id)
    post.targets[0].due_at = read_db_now(db_session) - timedelta(minutes=10)
    db_session.flush()
    dispatch_tick(app)  # a good round first (it publishes the row)...
    db_session.expire_all()
    assert post.targets[0].state == TargetState.PUBLISHED
    library_post(db_session, advisor, [account], fakes.library.add_version().id
                 ).targets[0].due_at = read_db_now(db_session) - timedelta(minutes=10)
    db_session.flush()

    def broken(self):
        raise RuntimeError("canceling statement due to lock timeout")

    monkeypatch.setattr("advisor_hub.publishing.dispatch.Dispatcher.run_once", broken)
    dispatch_tick(app)  # ... then one that fails: the row stays due
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 503
    assert set(body["problems"]) == {"lag", "failing"}
    assert body["dispatch"]["due_rows"] == 1
    assert body["dispatch"]["oldest_due_age_seconds"] >= 600
    assert body["schedulers"][0]["state"] == "failing"
    assert "lock timeout" not in response.get_data(as_text=True)  # no error text in public


@pytest.mark.parametrize("language,title,running", [
    ("en", "Scheduler health", "Publishing is running."),
    ("fr", "Santé du planificateur", "La publication fonctionne."),
])
def test_the_page_shows_the_same_in_both_languages(app, client, factory, auth, db_session,
                                                   monkeypatch, language, title, running):
    dispatch_tick(app)
    db_session.add(_needs_check_row(db_session, factory))
    auth.login(factory.user("compliance", language=language))
    page = client.get("/operations/scheduler").get_data(as_text=True)
    assert title in page and running in page
    assert 'data-testid="needs-check">1<' in page

    def broken(self):
        raise RuntimeError("canceling statement due to lock timeout")

    monkeypatch.setattr("advisor_hub.publishing.dispatch.Dispatcher.run_once", broken)
    dispatch_tick(app)
    page = client.get("/operations/scheduler").get_data(as_text=True)
    assert "RuntimeError: canceling statement due to lock timeout" in page
    assert ("Failing" if language == "en" else "En échec") in page


def _needs_check_row(db_session, factory):
    from advisor_hub.publishing.models import LinkedAccount, Post, PublicationTarget

    advisor = factory.user("advisor")
    account = LinkedAccount(user_id=advisor.id, network="sandbox", external_id="x",
                            display_name="X", status="active")
    post = Post(author_id=advisor.id, source="free_form", text="t", state="failed")
    db_session.add_all([account, post])
    db_session.flush()
    return PublicationTarget(post_id=post.id, account_id=account.id, network="sandbox",
                             text="t", state=TargetState.NEEDS_CHECK, idempotency_key="k" * 32,
                             content_hash="h" * 64)
