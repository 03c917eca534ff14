"""How a feature is declared and how the factory installs it.

A ``Feature`` lists everything one package adds to the app: blueprints, CLI commands,
periodic jobs, navigation entries, the review kinds it owns (with their decision handlers),
the signals it listens to, start-up checks of the contracts it relies on, and an ``init_app``
for anything else. ``install`` checks the whole list first and raises ``WiringError`` on any
mistake, so a missing handler or contract stops the app from starting instead of being
skipped at run time.
Nothing is registered by importing a module: ``advisor_hub.features`` is the one list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import click
from blinker import Signal
from flask import Blueprint, Flask

from advisor_hub import signals
from advisor_hub.jobs import JOBS_EXTENSION, PeriodicJob
from advisor_hub.navigation import NAV_EXTENSION, NavItem
from approvals.services import Subject, register_subject

FEATURES_EXTENSION = "features"


class WiringError(RuntimeError):
    """The feature list is inconsistent: the app must not start."""


@dataclass(frozen=True)
class SignalHandler:
    """``handler`` is connected to the signal called ``signal`` in ``advisor_hub.signals``."""

    signal: str
    handler: Callable[..., object]


@dataclass(frozen=True)
class Feature:
    name: str
    blueprints: tuple[Blueprint, ...] = ()
    commands: tuple[click.Command, ...] = ()
    jobs: tuple[PeriodicJob, ...] = ()
    # The entries of the top bar and the home page (each links to one of its endpoints).
    nav: tuple[NavItem, ...] = ()
    # The review kinds this feature submits to approvals; each needs exactly one handler
    # among all features' ``review_subjects``.
    submits: tuple[str, ...] = ()
    review_subjects: tuple[Subject, ...] = ()
    signal_handlers: tuple[SignalHandler, ...] = ()
    # Each raises WiringError when a contract the feature relies on is not met.
    checks: tuple[Callable[[], None], ...] = ()
    init_app: Callable[[Flask], None] | None = None


def _duplicates(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated = []
    for name in names:
        if name in seen:
            repeated.append(name)
        seen.add(name)
    return repeated


def _signal(name: str, feature: Feature) -> Signal:
    found = signals.namespace.get(name)
    if found is None:
        raise WiringError(f"feature {feature.name!r} listens to an unknown signal {name!r} "
                          f"(known: {', '.join(sorted(signals.namespace)) or 'none'})")
    return found


def check(features: list[Feature]) -> None:
    """Every mistake in the list, before anything is registered."""
    for label, names in (
        ("feature", [f.name for f in features]),
        ("command", [c.name or "" for f in features for c in f.commands]),
        ("job", [j.name for f in features for j in f.jobs]),
        ("navigation entry", [i.endpoint for f in features for i in f.nav]),
        ("review kind", [s.kind for f in features for s in f.review_subjects]),
    ):
        if repeated := _duplicates(names):
            raise WiringError(f"{label} declared twice: {', '.join(repeated)}")
    handled = {s.kind for f in features for s in f.review_subjects}
    for feature in features:
        for job in feature.jobs:
            if not callable(job.func) or job.every_seconds <= 0:
                raise WiringError(f"job {job.name!r} of {feature.name!r} is not runnable")
        for subject in feature.review_subjects:
            if not callable(subject.on_decision):
                raise WiringError(f"review kind {subject.kind!r} of {feature.name!r} has no "
                                  "decision handler")
        for kind in feature.submits:
            if kind not in handled:
                raise WiringError(f"{feature.name!r} submits {kind!r} for review but no "
                                  "feature handles its decisions")
        for declared in feature.signal_handlers:
            _signal(declared.signal, feature)
            if not callable(declared.handler):
                raise WiringError(f"handler of {declared.signal!r} in {feature.name!r} is "
                                  "not callable")
        for contract in feature.checks:
            contract()


def install(app: Flask, features: list[Feature]) -> None:
    """Check the list, then register each feature in order, then run each ``init_app``."""
    check(features)
    jobs: dict[str, PeriodicJob] = {}
    for feature in features:
        for blueprint in feature.blueprints:
            app.register_blueprint(blueprint)
        for command in feature.commands:
            app.cli.add_command(command)
        for job in feature.jobs:
            jobs[job.name] = job
        for subject in feature.review_subjects:
            register_subject(subject.kind, subject_type=subject.subject_type,
                             on_decision=subject.on_decision, url=subject.url,
                             editors=subject.editors, describe=subject.describe,
                             title=subject.title, tells_author=subject.tells_author)
        for declared in feature.signal_handlers:
            # Strong references: the handler lives as long as the process, like the app.
            _signal(declared.signal, feature).connect(declared.handler, weak=False)
    app.extensions[JOBS_EXTENSION] = jobs
    app.extensions[NAV_EXTENSION] = tuple(item for f in features for item in f.nav)
    app.extensions[FEATURES_EXTENSION] = tuple(features)
    for feature in features:
        if feature.init_app is not None:
            feature.init_app(app)
    _check_nav_endpoints(app, features)


def _check_nav_endpoints(app: Flask, features: list[Feature]) -> None:
    """Each navigation entry links to a page of the app (once every ``init_app`` has
    registered its blueprints): a dead link is a start-up error."""
    for feature in features:
        for item in feature.nav:
            if item.endpoint not in app.view_functions:
                raise WiringError(f"navigation entry {item.endpoint!r} of {feature.name!r} "
                                  "links to no page of the app")
