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
from advisor_hub.publishing import models as m
from advisor_hub.publishing import services as publishing  # registers the review kinds
from advisor_hub.publishing.linking import link_account
from tests.publishing.conftest import KEY, oauth_link
from tests.publishing.helpers import free_post, library_post


@pytest.fixture
def bank(db_session: Any) -> dict[str, User]:
    publishing.register_review_kinds()
    seed_demo(db_session)
    users = {u.email.split("@")[0]: u for u in db_session.scalars(select(User))}
    return users


def _usable_version(db_session: Any, advisor: User) -> int:
    from content_library.models import LibraryItemVersion
    from content_library.services import get_version_for_use

    for version_id in db_session.scalars(select(LibraryItemVersion.id)):
        try:
            version = get_version_for_use(db_session, version_id=version_id, advisor=advisor)
        except Exception:  # noqa: BLE001 - not usable by this advisor
            continue
        return version.id
    pytest.skip("the demo library has no post this advisor may use on the Sandbox")


def test_library_post_published_through_the_real_packages(db_session, bank, sandbox,
                                                          dispatcher):
    from approvals.services import decide
    from content_library.models import LibraryUsage

    alice, claire = bank["alice.advisor"], bank["claire.compliance"]
    profile, tokens = oauth_link(sandbox.url, "alice")
    account = link_account(db_session, user=alice, network="sandbox",
                           account=profile.accounts[0], tokens=tokens, cipher=TokenCipher(KEY))
    assert account.status == m.PENDING_APPROVAL
    decide(db_session, review_id=account.review_id, actor=claire, decision="approve")
    assert account.status == m.ACTIVE
    post = library_post(db_session, alice, [account], _usable_version(db_session, alice))
    assert post.state == m.SCHEDULED
    db_session.flush()
    assert dispatcher.run_once().outcomes == {"published": 1}
    db_session.expire_all()
    assert post.targets[0].state == m.PUBLISHED
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
    assert post.state == m.PENDING_REVIEW
    decide(db_session, review_id=post.review_id, actor=claire, decision="request_changes",
           comment="Add the opening hours")
    assert post.state == m.CHANGES_REQUESTED and post.review_comment == "Add the opening hours"
    new = publishing.edit_post(db_session, post_id=post.id, actor=alice,
                               body="Our branch is open on Saturday, 9:00-12:00.",
                               link_url=None, publish_now=True, when_local=None)
    decide(db_session, review_id=new.review_id, actor=claire, decision="approve")
    assert new.state == m.SCHEDULED
    db_session.flush()
    assert dispatcher.run_once().outcomes == {"published": 1}
