"""Reason codes and lexicon notes are bilingual data; every message built from them is in the
reader's language (issue 14, point 5): the review pages, the author's notification and its
e-mail (the recipient's language, not the reviewer's), the composer's refusal."""

from __future__ import annotations

import html

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from advisor_hub.notifications.models import Notification
from advisor_hub.notifications.services import render
from approvals import rules
from approvals.models import LexiconEntry, ReasonCode
from approvals.policy.starter_lexicon import NO_RISK, PROMISE
from approvals.settings import STARTER_REASONS_FR
from tests.mail_support import MAIL_CONFIG, SmtpRecorder, patch_smtp


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> SmtpRecorder:
    return patch_smtp(monkeypatch)


@pytest.fixture
def app_overrides() -> dict[str, object]:
    return dict(MAIL_CONFIG)


@pytest.mark.both_backends
def test_the_migration_gives_the_starter_data_both_languages(db_session) -> None:
    entries = {(e.term, e.language): e for e in db_session.scalars(
        select(LexiconEntry).where(LexiconEntry.removed_in.is_(None)))}
    french = entries[("rendement garanti", "fr")]
    assert (french.note, french.note_fr) == PROMISE  # its English note was French before
    english = entries[("risk-free", "en")]
    assert (english.note, english.note_fr) == NO_RISK
    assert all(e.note_fr for e in entries.values() if e.note)
    reasons = {r.code: r for r in db_session.scalars(select(ReasonCode))}
    assert reasons["promise"].label == "Promise of return or absence of risk"
    assert {c: r.label_fr for c, r in reasons.items()} == STARTER_REASONS_FR
    assert reasons["promise"].label_in("fr") == "Promesse de rendement ou d'absence de risque"


@pytest.mark.both_backends
def test_rejection_reason_in_the_recipients_language(client, auth, db_session, factory, submit,
                                                      decisions_seen, smtp) -> None:
    reviewer = factory.user("compliance")  # English
    author = factory.user("advisor", language="fr", email="auteur@example.com")
    review = submit(author, "Un texte calme")
    db_session.flush()
    auth.login(reviewer)
    client.get(f"/review/{review.id}")
    response = client.post(f"/review/{review.id}/decide", data={
        "decision": "reject", "reason_code": "promise", "comment": "",
        "version": str(review.version)})
    assert response.status_code == 302
    # The e-mail is in the author's language, though the reviewer reads English.
    [mail] = smtp.sent
    body = mail.get_content() if not mail.is_multipart() else mail.get_body().get_content()
    assert "Promesse de rendement ou d'absence de risque" in mail["Subject"] + body
    assert "La conformité a refusé" in mail["Subject"]
    assert "Promise of return" not in mail["Subject"] + body
    notification = db_session.scalar(select(Notification).where(
        Notification.user_id == author.id))
    with force_locale("en"):
        assert "Promise of return or absence of risk" in render(notification)
    auth.logout()
    auth.login(author)
    page = html.unescape(client.get("/notifications").get_data(as_text=True))
    assert "Promesse de rendement ou d'absence de risque" in page
    assert "Promise of return" not in page
    page = html.unescape(client.get(f"/review/mine/{review.id}").get_data(as_text=True))
    assert "Promesse de rendement ou d'absence de risque" in page


def test_review_page_shows_the_lexicon_note_in_the_readers_language(
        client, auth, db_session, factory, submit) -> None:
    author = factory.user("advisor")
    french_reviewer = factory.user("compliance", language="fr")
    review = submit(author, "A risk-free plan")
    db_session.flush()
    auth.login(french_reviewer)
    page = html.unescape(client.get(f"/review/{review.id}").get_data(as_text=True))
    assert NO_RISK[1] in page
    assert NO_RISK[0] not in page
    assert "« risk-free » n'est pas autorisé dans une publication" in page


def test_compliance_edits_both_languages(client, auth, db_session, factory) -> None:
    reviewer = factory.user("compliance")
    db_session.flush()
    auth.login(reviewer)
    reason = db_session.scalar(select(ReasonCode).where(ReasonCode.code == "other"))
    client.post(f"/review/reasons/{reason.id}/edit",
                data={"label": "Other reason", "label_fr": "Autre motif"})
    db_session.refresh(reason)
    assert (reason.label, reason.label_fr) == ("Other reason", "Autre motif")
    client.post("/review/reasons", data={"code": "tone", "label": "Tone",
                                         "label_fr": "Ton"})
    added = db_session.scalar(select(ReasonCode).where(ReasonCode.code == "tone"))
    assert (added.label, added.label_fr) == ("Tone", "Ton")
    client.post("/review/lexicon", data={"term": "moonshot", "language": "en",
                                         "severity": "flag", "note": "Hype",
                                         "note_fr": "Exagération"})
    entry = db_session.scalar(select(LexiconEntry).where(LexiconEntry.term == "moonshot"))
    assert (entry.note, entry.note_fr) == ("Hype", "Exagération")
    rules.update_term(db_session, actor=reviewer, term_id=entry.id, severity="flag",
                      note="Hype", note_fr="Exagéré")
    current = db_session.scalar(select(LexiconEntry).where(
        LexiconEntry.term == "moonshot", LexiconEntry.removed_in.is_(None)))
    assert current.note_fr == "Exagéré"


def test_screening_messages_follow_the_reader(app, db_session) -> None:
    with app.test_request_context():
        with force_locale("fr"):
            [message] = rules.screen_text(db_session, "Un placement sans risque").messages
        assert message == ("« sans risque » n'est pas autorisé dans une publication "
                           f"({NO_RISK[1]})")
        with force_locale("en"):
            [message] = rules.screen_text(db_session, "Un placement sans risque").messages
        assert message == f'"sans risque" is not allowed in a post ({NO_RISK[0]})'


def test_reason_choices_in_the_readers_language(client, auth, db_session, factory,
                                                submit) -> None:
    review = submit(factory.user("advisor"), "A calm text")
    db_session.flush()
    auth.login(factory.user("compliance", language="fr"))
    client.post(f"/review/{review.id}/claim")
    page = html.unescape(client.get(f"/review/{review.id}").get_data(as_text=True))
    assert "Affirmation trompeuse ou déséquilibrée" in page
    assert "Misleading or unbalanced claim" not in page


def test_policy_history_in_the_readers_language(client, auth, db_session, factory) -> None:
    reviewer = factory.user("compliance", language="fr")
    rules.add_term(db_session, actor=reviewer, term="moonshot", language="en",
                   severity="block")
    rules.add_link_rule(db_session, actor=reviewer, domain="casino.example", kind="deny")
    db_session.flush()
    auth.login(reviewer)
    page = html.unescape(client.get("/review/lexicon/history").get_data(as_text=True))
    assert "Ajout de « moonshot » (" in page
    assert "Règle de lien : " in page and "casino.example" in page
    assert "added “moonshot”" not in page and "link rule:" not in page
    assert "deny" not in page.split("casino.example")[0][-40:]


@pytest.mark.both_backends
def test_a_template_decision_names_the_template_in_the_readers_language(
        app, db_session, factory) -> None:
    from flask_babel import force_locale

    from advisor_hub.notifications.models import Notification
    from advisor_hub.notifications.services import render
    from approvals.services import Verdict, decide
    from content_library import life_events

    curator, reviewer = factory.user("marketing"), factory.user("compliance")
    graduation = next(t for t in life_events.list_event_types(db_session)
                      if t.key == "graduation")
    template = life_events.create_template(
        db_session, actor=curator, type_id=graduation.id, language="fr",
        text="Félicitations pour votre diplôme, {client_first_name} !")
    life_events.submit_template(db_session, actor=curator, template_id=template.id)
    with app.test_request_context():  # a decision is a request of the reviewer's
        decide(db_session, review_id=template.review_id, actor=reviewer,
               decision=Verdict.APPROVE)
    notices = list(db_session.scalars(select(Notification).where(
        Notification.user_id == curator.id)))
    assert len(notices) == 1  # one per decision
    with app.test_request_context():
        with force_locale("fr"):
            assert render(notices[0]) == ("La conformité a approuvé « Diplôme — modèle en "
                                          "français ».")
        with force_locale("en"):
            assert render(notices[0]) == "Compliance approved “Graduation — French template”."
