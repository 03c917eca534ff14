"""The compliance screens through the client: queue, review page, decisions, policy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from advisor_hub.notifications.models import Notification
from approvals import rules, services
from approvals.models import LexiconEntry, ReviewRequest, ReviewStatus, Verdict


@pytest.fixture
def people(factory):
    branch = factory.branch("Lyon")
    return {
        "advisor": factory.user("advisor", branch=branch),
        "reviewer": factory.user("compliance"),
        "other": factory.user("compliance"),
        "senior": factory.user("compliance", "senior_compliance"),
    }


def test_queue_lists_open_items_oldest_first(client, auth, db_session, people, submit) -> None:
    first = submit(people["advisor"], "First text")
    second = submit(people["advisor"], "Second text guaranteed returns")
    db_session.flush()
    auth.login(people["reviewer"])
    html = client.get("/review/").get_data(as_text=True)
    assert html.index(f'data-review-id="{first.id}"') < html.index(f'data-review-id="{second.id}"')
    html = client.get("/review/?findings=yes").get_data(as_text=True)
    assert f'data-review-id="{second.id}"' in html
    assert f'data-review-id="{first.id}"' not in html


def test_review_page_highlights_and_start_review_claims(client, auth, db_session, people,
                                                        submit) -> None:
    review = submit(people["advisor"], "<b>Risk-free</b> & guaranteed returns",
                    base_content=services.ReviewContent("A balanced offer"))
    db_session.flush()
    auth.login(people["reviewer"])
    response = client.get(f"/review/{review.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<mark class="finding-block"' in html and ">Risk-free</mark>" in html
    assert "&lt;b&gt;" in html and "<b>Risk-free" not in html  # escaped, never rendered
    assert '<ins class="diff-insert">' in html
    db_session.expire_all()
    assert db_session.get(ReviewRequest, review.id).claimed_by_id is None  # GET only reads
    assert "Start review" in html
    assert client.post(f"/review/{review.id}/claim").status_code == 302
    db_session.expire_all()
    assert db_session.get(ReviewRequest, review.id).claimed_by_id == people["reviewer"].id
    # A second reviewer sees who holds it; a forged decision changes nothing.
    auth.logout()
    auth.login(people["other"])
    html = client.get(f"/review/{review.id}").get_data(as_text=True)
    assert "Another reviewer is working on this item" in html
    assert "is reviewing this item until" in html and "Start review" not in html
    html = client.post(f"/review/{review.id}/decide",
                       data={"decision": Verdict.REJECT, "reason_code": "promise"}
                       ).get_data(as_text=True)
    assert "Another reviewer is working on this item" in html
    db_session.expire_all()
    assert db_session.get(ReviewRequest, review.id).status == ReviewStatus.PENDING


def test_reject_with_reason_then_double_post(client, auth, db_session, people, submit) -> None:
    review = submit(people["advisor"], "A calm text")
    db_session.flush()
    auth.login(people["reviewer"])
    client.get(f"/review/{review.id}")
    html = client.post(f"/review/{review.id}/decide", data={
        "decision": Verdict.REJECT, "reason_code": "", "comment": "x"}).get_data(as_text=True)
    assert "Choose a reason for the rejection." in html
    data = {"decision": Verdict.REJECT, "reason_code": "misleading",
            "comment": "<img src=x onerror=alert(1)>Too vague", "version": str(review.version)}
    html = client.post(f"/review/{review.id}/decide", data=data).get_data(as_text=True)
    assert "HTML is not allowed here; write plain text." in html  # refused, not stripped
    data["comment"] = "Too vague"
    assert client.post(f"/review/{review.id}/decide", data=data).status_code == 302
    html = client.post(f"/review/{review.id}/decide", data=data).get_data(as_text=True)
    assert "already been decided" in html
    db_session.expire_all()
    decided = db_session.get(ReviewRequest, review.id)
    assert decided.status == ReviewStatus.REJECTED and decided.comment == "Too vague"
    notices = db_session.scalars(select(Notification).where(
        Notification.user_id == people["advisor"].id)).all()
    assert len(notices) == 1
    # The author sees the decision and its reason.
    auth.logout()
    auth.login(people["advisor"])
    html = client.get(f"/review/mine/{review.id}").get_data(as_text=True)
    assert "Misleading or unbalanced claim" in html and "Too vague" in html
    auth.logout()
    auth.login(people["other"])
    assert client.get(f"/review/mine/{review.id}").status_code == 404


def test_lexicon_change_takes_effect_without_restart(client, auth, db_session, people) -> None:
    before = rules.screen_text(db_session, "Our moonshot fund")
    assert not before.findings
    auth.login(people["reviewer"])
    response = client.post("/review/lexicon", data={"term": "Moonshot", "language": "any",
                                                    "severity": "block", "note": "hype"})
    assert response.status_code == 302
    after = rules.screen_text(db_session, "Our MOONSHOT fund")
    assert after.blocked and after.lexicon_version == before.lexicon_version + 1
    # Empty and duplicate terms: a clear message, nothing changes.
    count = len(rules.current_terms(db_session))
    html = client.post("/review/lexicon", data={"term": "moonshot", "language": "any",
                                                "severity": "flag"}).get_data(as_text=True)
    assert "already in the lexicon" in html
    html = client.post("/review/lexicon", data={"term": " <b></b> ", "language": "any",
                                                "severity": "flag"}).get_data(as_text=True)
    assert "HTML is not allowed here; write plain text." in html
    assert len(rules.current_terms(db_session)) == count
    assert rules.current_version_number(db_session) == after.lexicon_version
    term = db_session.scalar(select(LexiconEntry).where(LexiconEntry.folded == "moonshot",
                                                        LexiconEntry.removed_in.is_(None)))
    assert client.post(f"/review/lexicon/{term.id}/remove").status_code == 302
    assert not rules.screen_text(db_session, "Our moonshot fund").findings
    html = client.get(f"/review/lexicon/history?version={after.lexicon_version}"
                      ).get_data(as_text=True)
    assert "Moonshot" in html


@pytest.mark.parametrize("path", ["/review/", "/review/lexicon", "/review/lexicon/history",
                                  "/review/links", "/review/disclosures", "/review/reasons",
                                  "/review/settings"])
def test_screens_render_in_french(client, auth, factory, path) -> None:
    user = factory.user("compliance", "senior_compliance", language="fr")
    auth.login(user)
    response = client.get(path)
    assert response.status_code == 200
    assert 'lang="fr"' in response.get_data(as_text=True)


def test_findings_are_shown_in_the_reviewers_language(client, auth, factory, db_session,
                                                       submit) -> None:
    review = submit(factory.user("advisor"), "Un placement sans risque")
    reviewer = factory.user("compliance", language="fr")
    db_session.flush()
    auth.login(reviewer)
    html = client.get(f"/review/{review.id}").get_data(as_text=True)
    assert "« sans risque » n&#39;est pas autorisé dans une publication" in html
    assert "Tel qu'il sera publié" in html


def test_history_shows_the_lexicon_of_a_given_day(client, auth, db_session, people) -> None:
    from datetime import UTC, datetime

    import time_machine

    with time_machine.travel(datetime(2031, 3, 2, 10, 0, tzinfo=UTC), tick=False):
        rules.add_term(db_session, actor=people["reviewer"], term="Zorglub", severity="block")
    db_session.flush()
    auth.login(people["reviewer"])
    before = client.get("/review/lexicon/history?date=2031-03-01").get_data(as_text=True)
    after = client.get("/review/lexicon/history?date=2031-03-02").get_data(as_text=True)
    assert "Zorglub" not in before.split('data-testid="terms-at-version"')[1]
    assert "Zorglub" in after.split('data-testid="terms-at-version"')[1]
    html = client.get("/review/lexicon/history?date=yesterday").get_data(as_text=True)
    assert "Enter a date as YYYY-MM-DD." in html


def test_lexicon_screen_searches_accent_insensitively_and_pages(client, auth, db_session,
                                                                people) -> None:
    auth.login(people["reviewer"])
    page = client.get("/review/lexicon?q=GARANTI").get_data(as_text=True)
    assert "rendement garanti" in page and "risk-free" not in page
    assert "rendement garanti" in client.get("/review/lexicon?q=garantí").get_data(as_text=True)
    assert "No term matches this search." in client.get(
        "/review/lexicon?q=zzzz-nothing").get_data(as_text=True)
    first = client.get("/review/lexicon").get_data(as_text=True)
    assert 'rel="next"' in first  # the starter lexicon spans more than one page of 50
    assert client.get("/review/lexicon?page=2").status_code == 200
