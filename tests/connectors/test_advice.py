"""Every network error becomes advice people can act on, in English and in French; the raw
message stays with the administrator; nothing is ever an "unknown error"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from advisor_hub.connectors.advice import APP_WIDE, Action, Problem, advise, diagnose
from advisor_hub.networks import (
    Duplicate,
    NotSent,
    OutcomeUnknown,
    PermanentFailure,
    ReauthNeeded,
)


@pytest.mark.parametrize("problem", list(Problem))
def test_every_problem_reads_as_advice_in_both_languages(app, problem) -> None:
    with app.test_request_context():
        with force_locale("en"):
            en = advise(problem)
        with force_locale("fr"):
            fr = advise(problem)
    for advice in (en, fr):
        assert advice.what and advice.todo
        assert "unknown" not in (advice.what + advice.todo).lower()
        assert "inconnu" not in (advice.what + advice.todo).lower()
    assert en.what != fr.what and en.todo != fr.todo, problem
    assert en.action == fr.action == problem.action
    if problem.app_wide:
        assert problem.action == Action.CONTACT_ADMIN and problem.hold_cause is not None


def test_a_wait_says_until_when(app) -> None:
    until = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
    with app.test_request_context(), force_locale("fr"):
        advice = advise(Problem.RATE_LIMITED, until=until)
    assert advice.todo.startswith("Rien à faire : elle sera renvoyée après ")
    assert advice.until == until


@pytest.mark.parametrize(("error", "network", "problem"), [
    (PermanentFailure("LinkedIn no longer supports the LinkedIn-Version this app sends",
                      status=426), "linkedin", Problem.VERSION_RETIRED),
    (PermanentFailure('{"status":426,"code":"NONEXISTENT_VERSION"}'), "linkedin",
     Problem.VERSION_RETIRED),
    (PermanentFailure("request rejected (402: CreditsDepleted)", status=402), "x",
     Problem.CREDITS_EXHAUSTED),
    (PermanentFailure("the network refused the app credentials: invalid_client"), "x",
     Problem.APP_CREDENTIALS),
    (ReauthNeeded("refresh refused: invalid_request: Value passed for the token was invalid"),
     "x", Problem.REFRESH_REUSED),
    (ReauthNeeded("Facebook: Error validating access token (code 190, subcode 460)",
                  status=400), "facebook", Problem.PAGE_TOKEN_INVALIDATED),
    (ReauthNeeded("Facebook: Session has expired (code 190, subcode 463)"), "facebook",
     Problem.TOKEN_EXPIRED),
    (ReauthNeeded("Facebook: Permissions error (code 200)"), "facebook",
     Problem.PERMISSION_MISSING),
    (ReauthNeeded("LinkedIn refused the token: Invalid access token", status=401),
     "linkedin", Problem.TOKEN_REVOKED),
    (NotSent("rate limited (429: Too Many Requests)", retry_after=60, status=429), "x",
     Problem.RATE_LIMITED),
    (NotSent("service unavailable (503)", status=503), "sandbox",
     Problem.NETWORK_UNAVAILABLE),
    (NotSent("could not connect: timed out"), "linkedin", Problem.CONNECTION_FAILED),
    (OutcomeUnknown("server error (500: oops)", status=500), "linkedin",
     Problem.OUTCOME_UNKNOWN),
    (Duplicate("duplicate", status=403), "x", Problem.DUPLICATE),
    (PermanentFailure("request rejected (400: Text is too long)", status=400), "x",
     Problem.TEXT_TOO_LONG),
    (PermanentFailure("Facebook: blocked (code 368): Facebook blocked the content"),
     "facebook", Problem.CONTENT_BLOCKED),
    (PermanentFailure("X: media upload refused (400)"), "x", Problem.MEDIA_REJECTED),
    (PermanentFailure("request rejected (400: something new)", status=400), "x",
     Problem.REQUEST_REFUSED),
])
def test_network_errors_are_diagnosed(error, network, problem) -> None:
    assert diagnose(error, network) == problem


def test_app_wide_problems_are_the_holds() -> None:
    assert {p.hold_cause for p in APP_WIDE} == {
        "version_retired", "app_credentials", "credits_exhausted", "spend_cap", "server_errors"}
