"""Explicit wiring: the feature list is the app's table of contents, checked at start-up.

The job table holds every job the features declare (review expiry included: it was once
registered only if a module nobody imported was imported); each job runs on an empty
database; a missing decision handler, signal or contract stops the app from starting.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session

import approvals.services
import content_library.services
from advisor_hub import create_app, features
from advisor_hub.db import transaction, utcnow
from advisor_hub.errors import ValidationError
from advisor_hub.jobs import PeriodicJob, jobs_of
from advisor_hub.networks import ReauthNeeded
from advisor_hub.publishing import jobs as publishing_jobs
from advisor_hub.publishing import models as m
from advisor_hub.publishing import upstream
from advisor_hub.publishing.models import LinkedAccount
from advisor_hub.publishing.scheduler import DISPATCH_JOB, add_jobs
from advisor_hub.wiring import Feature, SignalHandler, WiringError
from tests.conftest import app_config


def declared_jobs() -> set[str]:
    return {job.name for feature in features.FEATURES for job in feature.jobs}


def make_app(tmp_path: Path, feature_list: Any = None) -> Any:
    return create_app(app_config(f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path),
                      features=feature_list)


def swap(feature: Feature, **changes: Any) -> list[Feature]:
    return [replace(f, **changes) if f is feature else f for f in features.FEATURES]


# --- the job table ------------------------------------------------------------------------


def test_the_job_table_holds_every_declared_job(app) -> None:  # noqa: ANN001
    names = {job.name for job in jobs_of(app)}
    assert names == declared_jobs()
    assert {"approvals.expire_reviews", "publishing.refresh_tokens",
            "publishing.linkedin_reminder"} <= names
    scheduled = {job.id for job in add_jobs(app, BackgroundScheduler()).get_jobs()}
    assert scheduled == names | {DISPATCH_JOB}


def test_each_job_runs_once_on_an_empty_database(app) -> None:  # noqa: ANN001
    for job in jobs_of(app):
        with app.app_context(), transaction() as session:
            job.func(session, utcnow())  # raises if the job is broken


def test_the_refresh_job_flushes_and_leaves_the_commit_to_the_runner(
        app, db_session: Session, factory, monkeypatch) -> None:  # noqa: ANN001
    advisor = factory.user("advisor")
    account = LinkedAccount(user_id=advisor.id, network="sandbox", external_id="sb-1",
                            display_name="Alice", status=m.AccountStatus.ACTIVE,
                            token_expires_at=utcnow() + timedelta(minutes=1))
    db_session.add(account)
    db_session.commit()  # ends the test's savepoint; the outer transaction is rolled back

    def refused(*args: Any, **kwargs: Any) -> None:
        raise ReauthNeeded("refresh token revoked")

    commits: list[int] = []
    monkeypatch.setattr(publishing_jobs, "fresh_tokens", refused)
    monkeypatch.setattr(db_session, "commit", lambda: commits.append(1))
    with app.app_context():
        publishing_jobs.refresh_expiring_tokens(db_session, utcnow())
    assert commits == []
    assert db_session.get(LinkedAccount, account.id).status == m.AccountStatus.RELINK_NEEDED


# --- start-up errors ----------------------------------------------------------------------


def test_the_real_feature_list_starts(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    assert [f.name for f in app.extensions["features"]] == [f.name for f in features.FEATURES]
    assert "reviews-expire" in app.cli.commands and "scheduler" in app.cli.commands
    assert "sandbox_app" in app.extensions  # the Sandbox mount is a feature step


def test_a_submitted_kind_without_a_decision_handler_does_not_start(tmp_path: Path) -> None:
    without_post = swap(features.PUBLISHING,
                        review_subjects=features.PUBLISHING.review_subjects[1:])
    with pytest.raises(WiringError, match="'post'"):
        make_app(tmp_path, without_post)


def test_a_library_kind_without_a_handler_does_not_start(tmp_path: Path) -> None:
    without_templates = swap(features.LIBRARY,
                             review_subjects=features.LIBRARY.review_subjects[:1])
    with pytest.raises(WiringError, match="life_event_template"):
        make_app(tmp_path, without_templates)


def test_a_handler_that_is_not_callable_does_not_start(tmp_path: Path) -> None:
    subject = replace(features.LIBRARY.review_subjects[0], on_decision=None)
    broken = swap(features.LIBRARY,
                  review_subjects=(subject, *features.LIBRARY.review_subjects[1:]))
    with pytest.raises(WiringError, match="no decision handler"):
        make_app(tmp_path, broken)


def test_a_handler_of_an_unknown_signal_does_not_start(tmp_path: Path) -> None:
    listener = Feature("listener", signal_handlers=(
        SignalHandler("library.version_gone", lambda sender, **kw: None),))
    with pytest.raises(WiringError, match="unknown signal 'library.version_gone'"):
        make_app(tmp_path, [*features.FEATURES, listener])


def test_a_job_declared_twice_does_not_start(tmp_path: Path) -> None:
    twice = Feature("twice", jobs=(PeriodicJob("approvals.expire_reviews",
                                               lambda session, now: None, 60),))
    with pytest.raises(WiringError, match="job declared twice: approvals.expire_reviews"):
        make_app(tmp_path, [*features.FEATURES, twice])


def _without(module: Any, name: str) -> SimpleNamespace:
    return SimpleNamespace(**{k: v for k, v in vars(module).items() if k != name})


def test_an_approvals_api_without_mark_used_does_not_start(tmp_path: Path,
                                                          monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(upstream, "approvals_api",
                        lambda: _without(approvals.services, "mark_used"))
    with pytest.raises(upstream.ContractError, match="approvals API lacks .*mark_used"):
        make_app(tmp_path)


def test_a_library_without_the_template_check_does_not_start(tmp_path: Path,
                                                             monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(upstream, "library_api", lambda: _without(
        content_library.services, "is_template_publishable"))
    with pytest.raises(upstream.ContractError, match="is_template_publishable"):
        make_app(tmp_path)


# --- at run time: a missing function raises, it never means "yes" -------------------------


def test_mark_used_without_the_function_raises(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(upstream, "approvals_api", lambda: SimpleNamespace())
    with pytest.raises(AttributeError):
        upstream.mark_used(None, review_ids=[1], at=utcnow())  # type: ignore[arg-type]


def test_a_missing_template_check_is_not_publishable(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(upstream, "library_api", lambda: SimpleNamespace())
    with pytest.raises(AttributeError):
        upstream.is_template_publishable(None, template_id=1,  # type: ignore[arg-type]
                                         now=utcnow())


def test_a_review_of_an_unregistered_kind_is_refused(db_session: Session, factory) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError):
        approvals.services.submit_for_review(
            db_session, kind="never_registered", subject_id=1, author=factory.user("advisor"),
            content=approvals.services.ReviewContent(text="Hello"), networks=["linkedin"],
            branch_id=None)
