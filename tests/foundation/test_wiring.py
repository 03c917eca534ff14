"""Explicit wiring: the feature list is the app's table of contents, checked at start-up.

The job table holds every job the features declare (review expiry included: it was once
registered only if a module nobody imported was imported); each job runs on an empty
database; a missing decision handler, signal or contract stops the app from starting.
"""

from __future__ import annotations

import importlib.util
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
from advisor_hub import create_app, features, navigation
from advisor_hub.accounts import login
from advisor_hub.dashboard import services as dashboard_services
from advisor_hub.dashboard import views as dashboard_views
from advisor_hub.db import transaction, utcnow
from advisor_hub.errors import ValidationError
from advisor_hub.jobs import PeriodicJob, jobs_of
from advisor_hub.navigation import items_for_role, nav_of
from advisor_hub.networks import ReauthNeeded
from advisor_hub.publishing import jobs as publishing_jobs
from advisor_hub.publishing import models as m
from advisor_hub.publishing import upstream
from advisor_hub.publishing.models import LinkedAccount
from advisor_hub.publishing.scheduler import add_jobs
from advisor_hub.publishing.ticker import JOB_LOOPS_EXTENSION, LOOP_EXTENSION
from advisor_hub.roles import Role
from advisor_hub.wiring import Feature, SignalHandler, WiringError
from tests.conftest import PASSWORD, app_config


def declared_jobs() -> set[str]:
    return {job.name for feature in features.FEATURES for job in feature.jobs}


def make_app(tmp_path: Path, feature_list: Any = None) -> Any:
    return create_app(app_config(f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path),
                      features=feature_list)


def swap(feature: Feature, **changes: Any) -> list[Feature]:
    return [replace(f, **changes) if f is feature else f for f in features.FEATURES]


# --- the job table ------------------------------------------------------------------------


def test_the_job_table_holds_every_declared_job(app) -> None:
    names = {job.name for job in jobs_of(app)}
    assert names == declared_jobs()
    assert {"approvals.expire_reviews", "publishing.refresh_tokens",
            "connectors.grant_reminders"} <= names
    assert "publishing.linkedin_reminder" not in names  # one reminder path: the grants'
    add_jobs(app, BackgroundScheduler())
    assert set(app.extensions[JOB_LOOPS_EXTENSION]) == names  # one monotonic loop each
    # Dispatch runs in its own monotonic loop, attached to the same scheduler's start/stop.
    assert LOOP_EXTENSION in app.extensions


def test_each_job_runs_once_on_an_empty_database(app) -> None:
    for job in jobs_of(app):
        with app.app_context(), transaction() as session:
            job.func(session, utcnow())  # raises if the job is broken


def test_the_refresh_job_flushes_and_leaves_the_commit_to_the_runner(
        app, db_session: Session, factory, monkeypatch) -> None:
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
                                                          monkeypatch) -> None:
    monkeypatch.setattr(upstream, "approvals_api",
                        lambda: _without(approvals.services, "mark_used"))
    with pytest.raises(upstream.ContractError, match="approvals API lacks .*mark_used"):
        make_app(tmp_path)


def test_a_library_without_the_template_check_does_not_start(tmp_path: Path,
                                                             monkeypatch) -> None:
    monkeypatch.setattr(upstream, "library_api", lambda: _without(
        content_library.services, "is_template_publishable"))
    with pytest.raises(upstream.ContractError, match="is_template_publishable"):
        make_app(tmp_path)


# --- at run time: a missing function raises, it never means "yes" -------------------------


def test_mark_used_without_the_function_raises(monkeypatch) -> None:
    monkeypatch.setattr(upstream, "approvals_api", lambda: SimpleNamespace())
    with pytest.raises(AttributeError):
        upstream.mark_used(None, review_ids=[1], at=utcnow())  # type: ignore[arg-type]


def test_a_missing_template_check_is_not_publishable(monkeypatch) -> None:
    monkeypatch.setattr(upstream, "library_api", lambda: SimpleNamespace())
    with pytest.raises(AttributeError):
        upstream.is_template_publishable(None, template_id=1,  # type: ignore[arg-type]
                                         now=utcnow())


def test_a_review_of_an_unregistered_kind_is_refused(db_session: Session, factory) -> None:
    with pytest.raises(ValidationError):
        approvals.services.submit_for_review(
            db_session, kind="never_registered", subject_id=1, author=factory.user("advisor"),
            content=approvals.services.ReviewContent(text="Hello"), networks=["linkedin"],
            branch_id=None)


# --- navigation and the user loader come from the factory, not from imports ---------------


def without(feature: Feature) -> list[Feature]:
    return [f for f in features.FEATURES if f is not feature]


def endpoints(app: Any, role: Role) -> list[str]:
    return [item.endpoint for item in items_for_role(role, app)]


def test_the_nav_of_each_role_comes_from_the_features(tmp_path: Path) -> None:
    full = make_app(tmp_path)
    bare = make_app(tmp_path, without(features.DASHBOARD))
    declared = [item for f in features.FEATURES for item in f.nav]
    assert list(nav_of(full)) == declared
    for role in Role:
        expected = [i.endpoint for i in declared if role in i.roles]
        assert sorted(endpoints(full, role)) == sorted(expected)
        assert "dashboard.index" not in endpoints(bare, role)  # the other app is unaffected
    for role in dashboard_services.DASHBOARD_ROLES:
        assert "dashboard.index" in endpoints(full, role)


def test_the_layout_and_home_page_show_only_the_apps_features(
        connection, tmp_path: Path, factory) -> None:
    admin = factory.user("admin", "marketing")
    factory.session.flush()
    url = connection.engine.url.render_as_string(hide_password=False)
    for feature_list, shown in ((None, True), (without(features.DASHBOARD), False)):
        app = create_app(app_config(url, tmp_path), features=feature_list)
        app.extensions["database"].bind_to_connection(connection)
        client = app.test_client()
        client.post("/login", data={"email": admin.email, "password": PASSWORD})
        body = client.get("/").get_data(as_text=True)
        assert ('href="/dashboard' in body) is shown
        assert 'href="/library/manage"' in body  # the rest of the nav is still there


def test_importing_a_views_module_again_or_creating_apps_adds_no_entry(tmp_path: Path) -> None:
    path = Path(dashboard_views.__file__)
    spec = importlib.util.spec_from_file_location(dashboard_views.__name__, path)
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))  # the module body, again
    first, second = make_app(tmp_path), make_app(tmp_path)
    for app in (first, second):
        names = [item.endpoint for item in nav_of(app)]
        assert len(names) == len(set(names))
        assert names == [item.endpoint for f in features.FEATURES for item in f.nav]
    assert not hasattr(navigation, "register") and not hasattr(navigation, "_items")


def test_a_nav_entry_declared_twice_does_not_start(tmp_path: Path) -> None:
    twice = Feature("twice", nav=features.DASHBOARD.nav)
    with pytest.raises(WiringError, match="navigation entry declared twice: dashboard.index"):
        make_app(tmp_path, [*features.FEATURES, twice])


def test_a_nav_entry_to_no_page_does_not_start(tmp_path: Path) -> None:
    dead = swap(features.DASHBOARD, blueprints=())
    with pytest.raises(WiringError, match="'dashboard.index' of 'dashboard' links to no page"):
        make_app(tmp_path, dead)


def test_the_user_loader_is_installed_by_the_factory(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    assert app.login_manager._user_callback is login.load_user  # type: ignore[attr-defined]
    assert app.login_manager.login_view == "accounts.login"  # type: ignore[attr-defined]
