"""Compliance's archive screens through the client."""

from __future__ import annotations

import hashlib
import json

import pytest

from advisor_hub.archive.services import append_record
from advisor_hub.audit import services as audit
from tests.archive.helpers import decision, publication


@pytest.fixture
def archived(db_session, factory):
    branch = factory.branch("Lyon Bellecour")
    advisor = factory.user("advisor", branch=branch, first_name="Alice")
    other = factory.user("advisor", first_name="Bob")
    reviewer = factory.user("compliance")
    audit.record(db_session, advisor, "post.created", ("posts", 1), after={"state": "draft"})
    audit.record(db_session, reviewer, "post.approved", ("posts", 1),
                 before={"state": "pending_review"}, after={"state": "approved"})
    from datetime import UTC, datetime

    from approvals.models import ReviewRequest

    review = ReviewRequest(kind="post", subject_id=1, author_id=advisor.id, status="approved",
                           text="Our new green mortgage is here", content_hash="c" * 64,
                           submitted_at=datetime(2026, 11, 1, tzinfo=UTC),
                           decided_at=datetime(2026, 11, 2, tzinfo=UTC),
                           decided_by_id=reviewer.id)
    db_session.add(review)
    db_session.flush()
    append_record(db_session, kind="decision", actor_id=reviewer.id,
                  payload=decision(advisor.id, reviewer_id=reviewer.id, review_id=review.id))
    published = append_record(db_session, kind="publication", payload=publication(
        advisor.id, text="Our new green mortgage is here", review_id=review.id))
    append_record(db_session, kind="publication", payload=publication(
        other.id, post_id=2, text="Happy retirement, Jean!", network="facebook"))
    db_session.flush()
    return {"advisor": advisor, "reviewer": reviewer, "record": published, "branch": branch}


def test_search_by_word_branch_and_network(client, auth, archived) -> None:
    auth.login(archived["reviewer"])
    page = client.get("/archive/?q=MORTGAGE").get_data(as_text=True)
    assert "green mortgage" in page and "retirement" not in page
    page = client.get(f"/archive/?branch={archived['branch'].id}").get_data(as_text=True)
    assert "green mortgage" in page and "retirement" not in page
    page = client.get("/archive/?network=facebook").get_data(as_text=True)
    assert "retirement" in page and "green mortgage" not in page
    page = client.get(f"/archive/?advisor={archived['advisor'].id}&kind=decision")
    assert "Too promising" not in page.get_data(as_text=True)  # approved: comment "Fine"
    assert "1 record" in page.get_data(as_text=True)


def test_record_page_shows_post_approval_and_trail(client, auth, archived) -> None:
    auth.login(archived["reviewer"])
    page = client.get(f"/archive/records/{archived['record'].id}").get_data(as_text=True)
    assert "Our new green mortgage is here" in page
    assert "Approved" in page and "policy version 1" in page
    assert "decided by user" not in page and "<code>approved</code>" not in page
    assert f"Approved by {archived['reviewer'].full_name}" in page and "stands" in page
    assert "content hash differs" not in page
    assert "post.created" in page and "post.approved" in page
    assert client.get("/archive/records/999999").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_download_matches_its_manifest(client, auth, archived, fmt) -> None:
    auth.login(archived["reviewer"])
    response = client.get(f"/archive/export?format={fmt}&q=mortgage")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    manifest = client.get(f"/archive/export/manifest?format={fmt}&q=mortgage").get_json()
    assert manifest["record_count"] == 1
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert client.get("/archive/export?format=xml").status_code == 400


def test_export_is_audited(client, auth, archived, db_session) -> None:
    auth.login(archived["reviewer"])
    client.get("/archive/export?format=csv")
    events = audit.trail_for(db_session, ("archive_export", archived["record"].id + 1))
    assert events and events[-1].action == "archive.exported"


def test_place_and_release_a_hold(client, auth, archived, db_session) -> None:
    auth.login(archived["reviewer"])
    bad = client.post("/archive/holds", data={"advisor": "0", "reason": "Case 1"})
    assert bad.status_code == 400 and "needs an advisor or a date range" in bad.get_data(
        as_text=True)
    ok = client.post("/archive/holds", data={"advisor": str(archived["advisor"].id),
                                             "reason": "Case 1"})
    assert ok.status_code == 302
    page = client.get("/archive/holds").get_data(as_text=True)
    assert "Case 1" in page and "Active" in page
    from advisor_hub.archive.models import LegalHold

    hold_id = db_session.scalar(__import__("sqlalchemy").select(LegalHold.id))
    assert client.post(f"/archive/holds/{hold_id}/release").status_code == 302
    db_session.expire_all()
    assert db_session.get(LegalHold, hold_id).released_at is not None


def test_integrity_page(client, auth, archived) -> None:
    auth.login(archived["reviewer"])
    page = client.get("/archive/integrity").get_data(as_text=True)
    assert "The chain is intact: 3 records verified." in page


def test_french(client, auth, archived, db_session) -> None:
    archived["reviewer"].language = "fr"
    db_session.flush()
    auth.login(archived["reviewer"])
    page = client.get("/archive/").get_data(as_text=True)
    assert "Télécharger" in page
    json.dumps(page)  # renders
