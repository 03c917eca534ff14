"""Publishing with the real approvals and content_library packages (no fakes): an unedited
library post approved at once and published; a free-form post through the review queue."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from advisor_hub.accounts.models import User
from advisor_hub.archive.models import ArchiveRecord
from advisor_hub.demo import seed_demo
from advisor_hub.networks import TokenCipher
from advisor_hub.publishing import services as publishing
from advisor_hub.publishing.linking import link_account
from advisor_hub.publishing.models import AccountStatus, PostState, TargetState
from tests.publishing.conftest import KEY, oauth_link
from tests.publishing.helpers import free_post, library_post


@pytest.fixture
def bank(db_session: Any, app: Any) -> dict[str, User]:
    # The app registers every review kind with approvals (advisor_hub.features).
    seed_demo(db_session)
    users = {u.email.split("@")[0]: u for u in db_session.scalars(select(User))}
    return users


def _usable_version(db_session: Any, advisor: User) -> int:
    """A library post written, reviewed and approved through the real packages for this test
    (not found in the demo data, which may change): usable by the advisor, or the test fails."""
    from approvals.services import decide
    from content_library import services as library
    from content_library.use import get_version_for_use

    curator, reviewer = _user(db_session, "marketing"), _user(db_session, "compliance")
    draft = library.create_item(db_session, actor=curator, fields=library.ItemFields(
        title="Saturday opening", text="Our branch is now open on Saturday mornings.",
        networks=["linkedin", "facebook", "x"]))
    submitted = library.submit_version(db_session, actor=curator, version_id=draft.id)
    decide(db_session, review_id=submitted.review_id, actor=reviewer, decision="approve")
    return get_version_for_use(db_session, version_id=draft.id, advisor=advisor).id


def _user(db_session: Any, role: str) -> User:
    return next(u for u in db_session.scalars(select(User).order_by(User.id))
                if role in u.roles)


def test_library_post_published_through_the_real_packages(db_session, bank, sandbox,
                                                          dispatcher):
    from approvals.services import decide
    from content_library.models import LibraryUsage

    alice, claire = bank["alice.advisor"], bank["claire.compliance"]
    profile, tokens = oauth_link(sandbox.url, "alice")
    account = link_account(db_session, user=alice, network="sandbox",
                           account=profile.accounts[0], tokens=tokens, cipher=TokenCipher(KEY))
    assert account.status == AccountStatus.PENDING_APPROVAL
    decide(db_session, review_id=account.review_id, actor=claire, decision="approve")
    assert account.status == AccountStatus.ACTIVE
    post = library_post(db_session, alice, [account], _usable_version(db_session, alice))
    assert post.state == PostState.SCHEDULED
    db_session.flush()
    assert dispatcher.run_once().outcomes == {"published": 1}
    db_session.expire_all()
    assert post.targets[0].state == TargetState.PUBLISHED
    assert db_session.scalars(select(LibraryUsage)).first().post_url.startswith(sandbox.url)
    assert db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.kind == "publication")).one()
    from approvals.models import ReviewRequest

    assert db_session.get(ReviewRequest, post.review_id).used_at is not None


def test_free_form_post_through_the_real_queue(db_session, bank, sandbox, dispatcher):
    from approvals.services import decide

    alice, claire = bank["alice.advisor"], bank["claire.compliance"]
    profile, tokens = oauth_link(sandbox.url, "alice")
    account = link_account(db_session, user=alice, network="sandbox",
                           account=profile.accounts[0], tokens=tokens, cipher=TokenCipher(KEY))
    decide(db_session, review_id=account.review_id, actor=claire, decision="approve")
    post = free_post(db_session, alice, [account], "Our branch is open on Saturday morning.")
    assert post.state == PostState.PENDING_REVIEW
    decide(db_session, review_id=post.review_id, actor=claire, decision="request_changes",
           comment="Add the opening hours")
    assert post.state == PostState.CHANGES_REQUESTED
    assert post.review_comment == "Add the opening hours"
    new = publishing.edit_post(db_session, post_id=post.id, actor=alice,
                               body="Our branch is open on Saturday, 9:00-12:00.",
                               link_url=None, publish_now=True, when_local=None)
    decide(db_session, review_id=new.review_id, actor=claire, decision="approve")
    assert new.state == PostState.SCHEDULED
    db_session.flush()
    assert dispatcher.run_once().outcomes == {"published": 1}


@pytest.mark.parametrize("tampered", [False, True])
def test_library_image_is_sent_exactly_as_approved(db_session, bank, sandbox, dispatcher, app,
                                                   tampered):
    from approvals.services import decide
    from content_library.images import store_image
    from content_library.models import LibraryItemVersion
    from tests.publishing.test_media import png

    alice, claire = bank["alice.advisor"], bank["claire.compliance"]
    profile, tokens = oauth_link(sandbox.url, "alice")
    account = link_account(db_session, user=alice, network="sandbox",
                           account=profile.accounts[0], tokens=tokens, cipher=TokenCipher(KEY))
    decide(db_session, review_id=account.review_id, actor=claire, decision="approve")
    version = db_session.get(LibraryItemVersion, _usable_version(db_session, alice))
    stored = store_image(png(), folder=app.config["UPLOAD_FOLDER"], max_bytes=10**6,
                         max_pixels_side=8000)
    version.image_name, version.image_sha256 = stored.name, stored.sha256
    post = library_post(db_session, alice, [account], version.id)
    assert post.media_sha256 == stored.sha256
    db_session.flush()
    if tampered:  # the file on disk no longer is the approved image
        path = next(p for p in _uploads(app).rglob(stored.name))
        path.write_bytes(png((200, 0, 0)))
        assert dispatcher.run_once().outcomes == {"cancelled": 1}
        db_session.expire_all()
        assert "image" in post.targets[0].last_error
        assert sandbox.state.stats()["posts"] == 0
        return
    assert dispatcher.run_once().outcomes == {"published": 1}
    (sent,) = sandbox.state.posts
    assert sent.image_sha256 == stored.sha256


def _uploads(app: Any) -> Any:
    from pathlib import Path

    return Path(app.config["UPLOAD_FOLDER"])
