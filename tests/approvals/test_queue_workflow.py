"""Working the queue: after a decision the next item opens; the queue says who holds an item
and until when; text search; keyboard shortcuts documented; bulk decisions on library items,
each decided as on its own page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from advisor_hub.db import utcnow
from advisor_hub.errors import ValidationError
from approvals import queue, services
from approvals.models import ReviewStatus, Verdict
from content_library import services as library
from content_library.models import Status


@pytest.fixture
def people(factory: Any) -> dict[str, Any]:
    branch = factory.branch("Lyon Bellecour")
    return {"advisor": factory.user("advisor", branch=branch),
            "reviewer": factory.user("compliance", first_name="Claire", time_zone="UTC"),
            "other": factory.user("compliance", first_name="Louis"),
            "curator": factory.user("marketing")}


def _item(db_session: Any, curator: Any, title: str) -> Any:
    version = library.create_item(db_session, actor=curator, fields=library.ItemFields(
        title=title, text=f"{title}: open an account.", networks=["linkedin"]))
    return library.submit_version(db_session, actor=curator, version_id=version.id)


def test_next_item_skips_own_held_and_decided(db_session, people, submit) -> None:
    first = submit(people["advisor"], "First text")
    held = submit(people["advisor"], "Held text")
    own = submit(people["reviewer"], "Own text")
    last = submit(people["advisor"], "Last text")
    services.claim(db_session, review_id=held.id, actor=people["other"])
    assert queue.next_item(db_session, actor=people["reviewer"]) == first.id
    assert queue.next_item(db_session, actor=people["reviewer"], after_id=first.id) == last.id
    assert own.id not in {first.id, last.id}
    services.decide(db_session, review_id=last.id, actor=people["reviewer"],
                    decision=Verdict.APPROVE)
    assert queue.next_item(db_session, actor=people["reviewer"], after_id=first.id) is None


def test_after_a_decision_the_next_item_opens(client, auth, db_session, people, submit) -> None:
    first = submit(people["advisor"], "A calm text")
    second = submit(people["advisor"], "Another calm text")
    db_session.flush()
    auth.login(people["reviewer"])
    client.get(f"/review/{first.id}")
    response = client.post(f"/review/{first.id}/decide", data={
        "decision": Verdict.APPROVE, "version": str(first.version)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/review/{second.id}")
    client.get(f"/review/{second.id}")
    response = client.post(f"/review/{second.id}/decide", data={
        "decision": Verdict.APPROVE, "version": str(second.version)})
    assert response.headers["Location"].endswith("/review/")


def test_the_queue_says_who_holds_an_item_until_when(client, auth, db_session, people,
                                                     submit) -> None:
    review = submit(people["advisor"], "A calm text")
    services.claim(db_session, review_id=review.id, actor=people["other"],
                   now=utcnow() - timedelta(minutes=1))
    db_session.flush()
    auth.login(people["reviewer"])
    html = client.get("/review/").get_data(as_text=True)
    until = review.claim_expires_at.strftime("%H:%M")
    assert f"Held by {people['other'].full_name} until {until}" in html


def test_text_search(client, auth, db_session, people, submit) -> None:
    wanted = submit(people["advisor"], "Our green savings fund", title="Green fund")
    other = submit(people["advisor"], "Home loans this spring")
    percent = submit(people["advisor"], "Rates at 100% this week")
    db_session.flush()
    auth.login(people["reviewer"])
    html = client.get("/review/?q=GREEN+savings").get_data(as_text=True)
    assert f'data-review-id="{wanted.id}"' in html and f'data-review-id="{other.id}"' not in html
    html = client.get("/review/?q=%25").get_data(as_text=True)  # "%" is a character, no wildcard
    assert f'data-review-id="{percent.id}"' in html and f'data-review-id="{other.id}"' not in html


def test_shortcuts_are_documented_on_the_review_page(client, auth, db_session, people,
                                                     submit) -> None:
    review = submit(people["advisor"], "A calm text")
    db_session.flush()
    auth.login(people["reviewer"])
    services.claim(db_session, review_id=review.id, actor=people["reviewer"])  # "Start review"
    db_session.flush()
    html = client.get(f"/review/{review.id}").get_data(as_text=True)
    assert 'data-testid="decision-keys"' in html and "js/review_keys.js" in html


@pytest.mark.usefixtures("app")  # the review kinds are registered by the app
def test_bulk_decisions_on_library_items(db_session, people, submit) -> None:
    items = [_item(db_session, people["curator"], f"Item {n}") for n in range(3)]
    post = submit(people["advisor"], "A free-form post")
    services.claim(db_session, review_id=items[2].review_id, actor=people["other"])
    result = queue.decide_many(
        db_session, actor=people["reviewer"], decision=Verdict.REQUEST_CHANGES,
        comment="Add the conditions.",
        review_ids=[items[0].review_id, items[1].review_id, items[2].review_id, post.id])
    assert result.decided == [items[0].review_id, items[1].review_id]
    assert [i for i, _ in result.refused] == [items[2].review_id, post.id]
    assert items[0].status == Status.CHANGES_REQUESTED
    assert services.get_review(db_session, items[1].review_id).comment == "Add the conditions."
    assert post.status == ReviewStatus.PENDING and items[2].status == Status.IN_REVIEW
    with pytest.raises(ValidationError):
        queue.decide_many(db_session, actor=people["reviewer"], review_ids=[],
                          decision=Verdict.APPROVE)


def test_bulk_form_in_the_queue(client, auth, db_session, people) -> None:
    items = [_item(db_session, people["curator"], f"Item {n}") for n in range(2)]
    db_session.flush()
    auth.login(people["reviewer"])
    html = client.get("/review/").get_data(as_text=True)
    assert 'form="bulk"' in html and 'id="bulk"' in html
    response = client.post("/review/bulk", data={
        "review_ids": [str(v.review_id) for v in items], "decision": Verdict.APPROVE,
        "comment": "", "back": "kind=library_item"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/review/?kind=library_item")
    db_session.expire_all()
    assert [v.status for v in items] == [Status.APPROVED, Status.APPROVED]
    assert "2 items decided." in client.get("/review/").get_data(as_text=True)


@pytest.mark.parametrize(("back", "expected"), [
    ("kind=library_item&q=rate%20cut", "/review/?kind=library_item&q=rate+cut"),
    ("<iframe srcdoc='<script>x()</script>'>", "/review/"),
    ("//evil.example", "/review/"),
    ("next=https://evil.example&sort=newest", "/review/?sort=newest"),
])
def test_the_bulk_form_returns_to_the_queue_s_own_filters_only(
        client, auth, people, back, expected) -> None:
    """``back`` is the queue's query string: only its filters come back, re-encoded."""
    auth.login(people["reviewer"])
    response = client.post("/review/bulk", data={"review_ids": "", "decision": "",
                                                  "back": back})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(expected)
