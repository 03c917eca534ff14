"""The screens through the client: the inbox with its unread count in the navigation, a
thread answered in one click, a refused reply shown on its form, marketing's answers, compliance's
escalations, the metrics; and in French."""

from __future__ import annotations

from sqlalchemy import select

from advisor_hub.conversations.models import Comment, Reply, ReplyState
from tests.conversations.conftest import approved_answer
from tests.conversations.test_replies import IBAN, captured


def test_inbox_lists_my_comments_with_their_post_and_an_unread_badge(
        app, client, auth, db_session, sandbox, published) -> None:
    captured(app, db_session, sandbox, published, "Quel est le taux du livret ?")
    auth.login(published.advisor)
    page = client.get("/conversations/")
    assert page.status_code == 200
    assert "Quel est le taux du livret ?" in page.text
    assert "Our savings rates for 2027" in page.text  # the post it belongs to
    assert 'data-testid="badge-conversations.inbox">1<' in page.text
    assert "partners" in page.text  # LinkedIn's comments are said not to be captured


def test_one_click_answer_from_the_thread(app, client, auth, db_session, sandbox, published,
                                          factory) -> None:
    template = approved_answer(db_session, factory)
    comment = captured(app, db_session, sandbox, published, "Can I open an account online?")
    db_session.flush()
    auth.login(published.advisor)
    thread = client.get(f"/conversations/comments/{comment.id}")
    assert f'data-testid="answer-{template.id}"' in thread.text
    response = client.post(f"/conversations/comments/{comment.id}/reply-template",
                           data={"template_id": template.id}, follow_redirects=True)
    assert "Reply sent." in response.text
    reply = db_session.scalars(select(Reply)).one()
    assert reply.state == ReplyState.SENT
    assert any(c.message == reply.text for c in
               sandbox.state.comments_for(published.network_post_id))
    # Read now: the badge is gone.
    assert "badge-conversations.inbox" not in client.get("/conversations/").text


def test_a_reply_repeating_the_iban_is_refused_on_the_form(app, client, auth, db_session,
                                                           sandbox, published) -> None:
    comment = captured(app, db_session, sandbox, published, f"Mon IBAN : {IBAN}")
    db_session.flush()
    auth.login(published.advisor)
    thread = client.get(f"/conversations/comments/{comment.id}")
    assert 'data-testid="sensitive-alert"' in thread.text and 'data-testid="hide"' in thread.text
    response = client.post(f"/conversations/comments/{comment.id}/reply",
                           data={"text": f"Bien reçu {IBAN}"})
    assert response.status_code == 200
    assert "never repeat it in public" in response.text
    assert db_session.scalars(select(Reply)).all() == []


def test_hide_from_the_thread(app, client, auth, db_session, sandbox, published) -> None:
    comment = captured(app, db_session, sandbox, published, f"IBAN {IBAN}")
    db_session.flush()
    auth.login(published.advisor)
    response = client.post(f"/conversations/comments/{comment.id}/hide", follow_redirects=True)
    assert "Comment hidden" in response.text
    assert sandbox.state.get_comment(comment.external_id).is_hidden


def test_another_advisor_gets_a_404(app, client, auth, db_session, sandbox, published,
                                    factory) -> None:
    comment = captured(app, db_session, sandbox, published, "Hello")
    other = factory.user("advisor")
    db_session.flush()
    auth.login(other)
    assert client.get(f"/conversations/comments/{comment.id}").status_code == 404
    assert client.post(f"/conversations/comments/{comment.id}/hide").status_code == 404


def test_escalate_then_compliance_sees_it(app, client, auth, db_session, sandbox, published,
                                          factory) -> None:
    comment = captured(app, db_session, sandbox, published, "I want to complain")
    compliance = factory.user("compliance")
    db_session.flush()
    auth.login(published.advisor)
    response = client.post(f"/conversations/comments/{comment.id}/escalate",
                           data={"reason": "complaint", "note": "Unhappy client"},
                           follow_redirects=True)
    assert "compliance has it" in response.text
    auth.logout()
    auth.login(compliance)
    listing = client.get("/conversations/escalations/")
    assert "I want to complain" in listing.text
    assert "I want to complain" in client.get("/conversations/complaints").text
    db_session.expire_all()
    assert db_session.get(Comment, comment.id).complaint


def test_marketing_drafts_and_submits_an_answer(client, auth, db_session, factory) -> None:
    marketing = factory.user("marketing")
    db_session.flush()
    auth.login(marketing)
    response = client.post("/conversations/answers/new", data={
        "title": "Opening hours", "text": "Our branch {branch_name} opens at 9.",
        "language": "en"}, follow_redirects=True)
    assert "Draft saved" in response.text
    bad = client.post("/conversations/answers/new", data={
        "title": "Bad", "text": "Hello {client_iban}", "language": "en"})
    assert "Unknown placeholder" in bad.text


def test_metrics_page(app, client, auth, db_session, sandbox, published, factory) -> None:
    captured(app, db_session, sandbox, published, "Hello")
    manager = factory.user("compliance")
    db_session.flush()
    auth.login(manager)
    page = client.get("/conversations/metrics")
    assert page.status_code == 200
    assert 'data-testid="received">1<' in page.text


def test_the_inbox_in_french(app, client, auth, db_session, sandbox, published, factory) -> None:
    published.advisor.language = "fr"
    captured(app, db_session, sandbox, published, "Bonjour")
    db_session.flush()
    auth.login(published.advisor)
    page = client.get("/conversations/")
    assert "Commentaires sur mes publications" in page.text
