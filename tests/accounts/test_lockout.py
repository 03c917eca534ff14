"""Issue 11 point 5: the lockout counts exactly, and a reset link gets its owner back in."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from advisor_hub.accounts import lockout, services
from advisor_hub.accounts.lockout import Refusal, complete_check, reserve_check
from advisor_hub.audit.services import trail_for
from advisor_hub.db import utcnow
from tests.accounts.conftest import body, reset_path, sent
from tests.conftest import PASSWORD

WRONG = "wrong-password-here"


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The real password checks made (the dummy check for timing is not counted)."""
    made: list[str] = []
    real = lockout.verify_password

    def counting(password_hash: str, password: str) -> bool:
        made.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(lockout, "verify_password", counting)
    return made


def _login(client, user, password):
    return client.post("/login", data={"email": user.email, "password": password})


@pytest.mark.both_backends
def test_attempts_past_the_threshold_are_refused_without_a_check(db_session, factory,
                                                                 checks) -> None:
    """Twenty attempts reserved at once (as twenty parallel requests would): only the first
    five passwords are checked, and the right password in a later slot is refused."""
    user = factory.user()
    attempts = [reserve_check(db_session, email=user.email) for _ in range(20)]
    assert [a.slot for a in attempts] == list(range(1, 21))
    verdicts = [complete_check(db_session, a, PASSWORD if a.slot == 20 else WRONG)
                for a in attempts]
    assert len(checks) == lockout.MAX_FAILED_LOGINS
    assert not any(v.ok for v in verdicts)
    assert verdicts[19].refusal is Refusal.OVER_THRESHOLD
    db_session.refresh(user)
    assert user.locked_until is not None and user.locked_until > utcnow()


@pytest.mark.both_backends
def test_a_right_password_that_loses_the_race_to_the_lock_is_refused(db_session,
                                                                      factory) -> None:
    user = factory.user()
    right = reserve_check(db_session, email=user.email)  # slot 1, still being checked...
    wrong = [reserve_check(db_session, email=user.email) for _ in range(4)]
    for attempt in wrong:  # ...while slots 2-5 fail and lock the account
        complete_check(db_session, attempt, WRONG)
    verdict = complete_check(db_session, right, PASSWORD)
    assert not verdict.ok and verdict.refusal is Refusal.LOCKED


def test_a_locked_account_refuses_the_right_password_and_unlocks_after_15_minutes(
        db_session, factory) -> None:
    user = factory.user()
    for _ in range(lockout.MAX_FAILED_LOGINS):
        with pytest.raises(services.InvalidCredentials):
            services.authenticate(db_session, user.email, WRONG)
    with pytest.raises(services.AccountLocked):
        services.authenticate(db_session, user.email, PASSWORD)
    with time_machine.travel(utcnow() + lockout.LOCKOUT + timedelta(seconds=1)):
        assert services.authenticate(db_session, user.email, PASSWORD) == user
    db_session.refresh(user)
    assert user.failed_logins == 0 and user.locked_until is None


def test_a_success_restarts_the_count(db_session, factory) -> None:
    user = factory.user()
    for _ in range(lockout.MAX_FAILED_LOGINS - 1):
        with pytest.raises(services.InvalidCredentials):
            services.authenticate(db_session, user.email, WRONG)
    services.authenticate(db_session, user.email, PASSWORD)
    for _ in range(lockout.MAX_FAILED_LOGINS - 1):
        with pytest.raises(services.InvalidCredentials):
            services.authenticate(db_session, user.email, WRONG)
    assert services.authenticate(db_session, user.email, PASSWORD) == user


def test_the_lock_is_audited_and_mailed_with_a_reset_link_that_unlocks(
        client, factory, db_session, smtp) -> None:
    user = factory.user(language="fr")
    db_session.flush()
    for _ in range(lockout.MAX_FAILED_LOGINS):
        page = _login(client, user, WRONG).get_data(as_text=True)
        # The page never says "locked": the audit trail and the owner's e-mail do.
        assert "Invalid e-mail or password." in page and "locked" not in page
    assert "user.locked" in [e.action for e in trail_for(db_session, user)]
    [mail] = sent(smtp)
    assert mail["To"] == user.email
    assert mail["Subject"] == "Votre compte Advisor Hub est verrouillé"
    assert "5 mots de passe erronés" in body(mail)
    assert _login(client, user, PASSWORD).status_code == 200  # locked: refused
    # The link in the lock e-mail: a new password, the lock gone, signed in.
    path = reset_path(mail)
    response = client.post(path, data={"new_password": "plum-orbit-cathedral-9",
                                       "confirm": "plum-orbit-cathedral-9"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db_session.refresh(user)
    assert user.locked_until is None and user.failed_logins == 0
    client.post("/logout")
    assert _login(client, user, "plum-orbit-cathedral-9").status_code == 302


def test_a_forgotten_password_request_unlocks_too(client, factory, db_session, smtp) -> None:
    """Locking is not a way to keep an advisor out: the reset link asked for works."""
    user = factory.user()
    db_session.flush()
    for _ in range(lockout.MAX_FAILED_LOGINS):
        _login(client, user, WRONG)
    client.post("/password/forgot", data={"email": user.email})
    reset_mail = [m for m in sent(smtp) if "Reset your" in m["Subject"]][-1]
    new = "quiet-meadow-lantern-42"
    assert client.post(reset_path(reset_mail),
                       data={"new_password": new, "confirm": new}).status_code == 302
    client.post("/logout")
    assert _login(client, user, new).status_code == 302
