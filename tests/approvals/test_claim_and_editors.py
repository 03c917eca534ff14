"""The review page only reads; "Start review" (a POST with its CSRF token) claims the item
(issue 11, point 12). Whoever edited the content is told, in their language, that they
cannot decide on it (point 2)."""

from __future__ import annotations

import html
import re

import pytest

from approvals import services
from approvals.errors import EditedContent
from approvals.models import ReviewRequest, ReviewStatus, Verdict
from tests.approvals.conftest import EDITORS, TEST_KIND
from tests.conftest import PASSWORD


@pytest.fixture
def people(factory):
    return {"advisor": factory.user("advisor", branch=factory.branch("Lyon")),
            "reviewer": factory.user("compliance"),
            "other": factory.user("compliance", first_name="Olga"),
            "editor": factory.user("marketing", "compliance"),
            "editeur": factory.user("marketing", "compliance", language="fr")}


def _claimer(db_session, review) -> int | None:
    db_session.expire_all()
    return db_session.get(ReviewRequest, review.id).claimed_by_id


def test_opening_the_page_claims_nothing(client, auth, db_session, people, submit) -> None:
    review = submit(people["advisor"], "A calm text")
    db_session.flush()
    auth.login(people["reviewer"])
    for _ in range(2):
        page = client.get(f"/review/{review.id}").get_data(as_text=True)
        assert "Start review" in page
    assert _claimer(db_session, review) is None
    response = client.post(f"/review/{review.id}/claim")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/review/{review.id}")
    assert _claimer(db_session, review) == people["reviewer"].id
    page = client.get(f"/review/{review.id}").get_data(as_text=True)
    assert "You hold this item until" in page and "Record the decision" in page
    assert "Start review" not in page
    # Another reviewer reads who holds it and until when; their claim changes nothing.
    auth.logout()
    auth.login(people["other"])
    page = client.get(f"/review/{review.id}").get_data(as_text=True)
    holder = people["reviewer"].full_name
    assert f"{holder} is reviewing this item until" in page and "Start review" not in page
    client.post(f"/review/{review.id}/claim")
    assert _claimer(db_session, review) == people["reviewer"].id
    assert "Another reviewer is working on this item" in client.get(
        f"/review/{review.id}").get_data(as_text=True)


def test_the_claim_is_refused_on_a_decided_item(client, auth, db_session, people,
                                                submit) -> None:
    review = submit(people["advisor"], "A calm text")
    services.decide(db_session, review_id=review.id, actor=people["other"],
                    decision=Verdict.APPROVE)
    db_session.flush()
    auth.login(people["reviewer"])
    client.post(f"/review/{review.id}/claim")
    assert _claimer(db_session, review) is None
    assert db_session.get(ReviewRequest, review.id).status == ReviewStatus.APPROVED


@pytest.mark.parametrize(("who", "message"), [
    ("editor", "You edited or submitted this content, so you cannot decide on it"),
    ("editeur", "Vous avez modifié ou soumis ce contenu : vous ne pouvez donc pas décider"),
])
def test_an_editor_is_told_they_cannot_decide(client, auth, db_session, people, submit,
                                              who, message) -> None:
    review = submit(people["advisor"], "A calm text", subject_id=8101)
    EDITORS[8101] = {people[who].id}
    try:
        db_session.flush()
        auth.login(people[who])
        page = html.unescape(client.get(f"/review/{review.id}").get_data(as_text=True))
        assert message in page and "Start review" not in page
        client.post(f"/review/{review.id}/claim")
        assert _claimer(db_session, review) is None
        page = html.unescape(client.post(f"/review/{review.id}/decide", data={
            "decision": Verdict.APPROVE, "version": str(review.version)}).get_data(
                as_text=True))
        assert message in page
        db_session.expire_all()
        assert db_session.get(ReviewRequest, review.id).status == ReviewStatus.PENDING
        with pytest.raises(EditedContent):
            services.decide(db_session, review_id=review.id, actor=people[who],
                            decision=Verdict.REJECT, reason_code="misleading")
    finally:
        EDITORS.pop(8101, None)


def test_a_kind_cannot_be_registered_without_its_editors() -> None:
    with pytest.raises(TypeError):
        services.register_subject(TEST_KIND + "_x", subject_type="x",  # type: ignore[call-arg]
                                  on_decision=lambda *a: None)
    assert services.subject_for(TEST_KIND + "_x") is None


class TestCsrf:
    @pytest.fixture
    def app_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_start_review_needs_the_page_token(self, client, db_session, people,
                                               submit) -> None:
        review = submit(people["advisor"], "A calm text")
        db_session.flush()
        login = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
        client.post("/login", data={"email": people["reviewer"].email,
                                    "password": PASSWORD,
                                    "csrf_token": token})
        page = client.get(f"/review/{review.id}").get_data(as_text=True)
        assert "Start review" in page
        assert client.post(f"/review/{review.id}/claim").status_code == 400
        assert _claimer(db_session, review) is None
        token = re.search(rf'action="/review/{review.id}/claim">\s*<input id="csrf_token" '
                          r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token, "the Start review form carries no CSRF token"
        assert client.post(f"/review/{review.id}/claim",
                           data={"csrf_token": token.group(1)}).status_code == 302
        assert _claimer(db_session, review) == people["reviewer"].id
