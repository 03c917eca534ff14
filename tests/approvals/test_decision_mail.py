"""A decision's e-mail leaves after the decision is committed, never for a refused one, and a
multi-line reviewer comment does not break it."""

from __future__ import annotations

import pytest

from tests.mail_support import MAIL_CONFIG, SmtpRecorder, patch_smtp


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> SmtpRecorder:
    return patch_smtp(monkeypatch)


@pytest.fixture
def app_overrides() -> dict[str, object]:
    return dict(MAIL_CONFIG)


@pytest.fixture
def people(factory):
    return {"advisor": factory.user("advisor", email="advisor@example.com"),
            "reviewer": factory.user("compliance"),
            "senior": factory.user("compliance", "senior_compliance"),
            "senior2": factory.user("compliance", "senior_compliance")}


def test_changes_requested_with_a_multiline_comment(client, auth, db_session, people, submit,
                                                    smtp: SmtpRecorder) -> None:
    review = submit(people["advisor"], "A calm text")
    db_session.flush()
    auth.login(people["reviewer"])
    client.get(f"/review/{review.id}")
    response = client.post(f"/review/{review.id}/decide", data={
        "decision": "request_changes", "comment": "Shorter, please.\r\nAnd cite the source.",
        "version": str(review.version)})
    assert response.status_code == 302
    assert [m["To"] for m in smtp.sent] == ["advisor@example.com"]
    subject = smtp.sent[0]["Subject"]
    assert "\n" not in subject and "Shorter, please. And cite the source." in subject
    # Deciding again is refused: no second mail.
    client.post(f"/review/{review.id}/decide", data={
        "decision": "approve", "version": str(review.version)})
    assert len(smtp.sent) == 1


def test_an_escalation_mails_every_senior_over_one_connection(client, auth, db_session, people,
                                                               submit, smtp) -> None:
    review = submit(people["advisor"], "A calm text")
    db_session.flush()
    auth.login(people["reviewer"])
    client.get(f"/review/{review.id}")
    response = client.post(f"/review/{review.id}/decide", data={
        "decision": "escalate", "comment": "Two\nlines", "version": str(review.version)})
    assert response.status_code == 302
    recipients = {m["To"] for m in smtp.sent}
    assert {people["senior"].email, people["senior2"].email} <= recipients
    assert len(smtp.connections) == 1
