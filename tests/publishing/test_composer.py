"""Composer rules: time zones, lengths per network, disclosures, the approval paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from advisor_hub.db import utcnow
from advisor_hub.errors import ValidationError
from advisor_hub.notifications.models import Notification
from advisor_hub.publishing import composer
from advisor_hub.publishing.models import (
    AccountStatus,
    LinkedAccount,
    PostSource,
    PostState,
    TargetState,
)
from tests.publishing.helpers import free_post, library_post

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def test_schedule_time_converts_the_advisors_zone_to_utc():
    when = composer.schedule_time(datetime(2027, 3, 10, 9, 30), "Europe/Paris", now=NOW)
    assert when == datetime(2027, 3, 10, 8, 30, tzinfo=UTC)


def test_schedule_time_refuses_the_past():
    with pytest.raises(ValidationError, match="past"):
        composer.schedule_time(datetime(2027, 3, 1, 12, 59), "Europe/Paris", now=NOW)


def test_schedule_time_refuses_a_dst_gap():
    with pytest.raises(ValidationError, match="does not exist"):
        composer.schedule_time(datetime(2027, 3, 28, 2, 30), "Europe/Paris", now=NOW)


def test_schedule_time_refuses_an_ambiguous_time():
    with pytest.raises(ValidationError, match="happens twice"):
        composer.schedule_time(datetime(2027, 10, 31, 2, 30), "Europe/Paris", now=NOW)


def _x_account(db_session, advisor):
    account = LinkedAccount(user_id=advisor.id, network="x", external_id="x-1",
                            display_name="Alice on X", status=AccountStatus.ACTIVE)
    db_session.add(account)
    db_session.flush()
    return account


def test_too_long_for_one_network_is_refused_for_that_network(db_session, fakes, link, advisor):
    sandbox = link(advisor)
    x = _x_account(db_session, advisor)
    text = "A" * 300
    with pytest.raises(ValidationError, match="X") as refused:
        free_post(db_session, advisor, [sandbox, x], text)
    assert refused.value.field == "text" and "Sandbox" not in str(refused.value)
    post = free_post(db_session, advisor, [sandbox], text)
    assert post.state == PostState.PENDING_REVIEW


def test_markup_is_refused(db_session, fakes, link, advisor):
    with pytest.raises(ValidationError, match="HTML"):
        free_post(db_session, advisor, [link(advisor)], "Hi <script>alert(1)</script>")


def test_only_active_own_accounts(db_session, fakes, link, advisor, factory):
    pending = link(advisor, approve=False)
    with pytest.raises(ValidationError, match="cannot be used yet"):
        free_post(db_session, advisor, [pending], "Hello")
    other = link(factory.user("advisor"), login="bob")
    with pytest.raises(ValidationError, match="your own"):
        free_post(db_session, advisor, [other], "Hello")


def test_unedited_library_post_is_approved_and_scheduled_at_once(db_session, fakes, link,
                                                                 advisor):
    fakes.approvals.disclosures = {"sandbox": ["Advertising. Bank advisor."]}
    account = link(advisor)
    version = fakes.library.add_version()
    post = library_post(db_session, advisor, [account], version.id)
    assert post.state == PostState.SCHEDULED and post.source == PostSource.LIBRARY
    assert post.text.endswith("\n\nAdvertising. Bank advisor.")
    assert post.body == "Meet me at Lyon, Alice"
    review = fakes.approvals.reviews[post.review_id]
    assert review.status == "approved" and review.content.text == post.text
    target = post.targets[0]
    assert target.state == TargetState.SCHEDULED and target.text == post.text
    assert target.content_hash == review.content_hash


def test_edited_library_post_goes_to_review_with_the_base_text(db_session, fakes, link,
                                                               advisor):
    account = link(advisor)
    version = fakes.library.add_version()
    post = library_post(db_session, advisor, [account], version.id, edit="My own words")
    assert post.state == PostState.PENDING_REVIEW and not post.targets
    review = fakes.approvals.reviews[post.review_id]
    assert review.status == "pending" and review.content.text == "My own words"
    assert review.base_content.text == "Meet me at Lyon, Alice"


def test_blocked_text_is_refused_before_review(db_session, fakes, link, advisor):
    with pytest.raises(ValidationError, match="blocks"):
        free_post(db_session, advisor, [link(advisor)], "Guaranteed returns for all!")


def test_free_form_approved_is_scheduled(db_session, fakes, link, advisor):
    account = link(advisor)
    post = free_post(db_session, advisor, [account], "Hello clients",
                     publish_now=False, when_local=datetime.now() + timedelta(days=2))
    assert post.state == PostState.PENDING_REVIEW
    fakes.approvals.decide(db_session, post.review_id, "approved", reviewer_id=advisor.id)
    assert post.state == PostState.SCHEDULED and post.targets[0].due_at == post.scheduled_at


@pytest.mark.parametrize("outcome,state", [("changes_requested", PostState.CHANGES_REQUESTED),
                                           ("rejected", PostState.REJECTED)])
def test_reviewer_comment_is_kept(db_session, fakes, link, advisor, outcome, state):
    post = free_post(db_session, advisor, [link(advisor)], "Hello clients")
    fakes.approvals.decide(db_session, post.review_id, outcome, comment="Too salesy")
    assert post.state == state and post.review_comment == "Too salesy"
    assert db_session.scalars(select(Notification).where(
        Notification.user_id == advisor.id)).first()


def test_approved_after_its_time_asks_for_a_new_time(db_session, fakes, link, advisor):
    account = link(advisor)
    post = free_post(db_session, advisor, [account], "Hello", publish_now=False,
                     when_local=datetime.now() + timedelta(hours=3))
    with time_machine.travel(utcnow() + timedelta(hours=4), tick=False):
        fakes.approvals.decide(db_session, post.review_id, "approved")
        assert post.state == PostState.APPROVED and not post.targets
        composer.reschedule_post(db_session, post_id=post.id, actor=advisor, publish_now=True,
                                 when_local=None)
    assert post.state == PostState.SCHEDULED and len(post.targets) == 1


def test_cancel_and_edit(db_session, fakes, link, advisor):
    account = link(advisor)
    post = library_post(db_session, advisor, [account], fakes.library.add_version().id,
                        publish_now=False, when_local=datetime.now() + timedelta(days=1))
    new = composer.edit_post(db_session, post_id=post.id, actor=advisor, body="Changed",
                             link_url=None, publish_now=True, when_local=None)
    assert post.state == PostState.CANCELLED and post.targets[0].state == TargetState.CANCELLED
    assert new.state == PostState.PENDING_REVIEW
    composer.cancel_post(db_session, post_id=new.id, actor=advisor)
    assert new.state == PostState.CANCELLED
    assert fakes.approvals.reviews[new.review_id].status == "withdrawn"


def test_unlink_revokes_and_cancels_scheduled_rows(db_session, fakes, link, advisor, sandbox):
    from advisor_hub.networks import TokenCipher
    from advisor_hub.publishing.linking import REVOKED, unlink_account
    from tests.publishing.conftest import KEY, sandbox_adapter

    account = link(advisor)
    post = library_post(db_session, advisor, [account], fakes.library.add_version().id,
                        publish_now=False, when_local=datetime.now() + timedelta(days=1))
    unlinked = unlink_account(db_session, account_id=account.id, actor=advisor,
                              adapter=sandbox_adapter(sandbox.url), cipher=TokenCipher(KEY))
    assert [t.post_id for t in unlinked.cancelled] == [post.id]
    assert unlinked.revocation == REVOKED
    assert account.status == AccountStatus.UNLINKED and account.token_ciphertext is None
    assert post.state == PostState.CANCELLED
    assert sandbox.state.stats()["requests"].get("revoke") == 1


@pytest.mark.parametrize(("network", "with_media", "fits"), [
    ("linkedin", False, True),  # the link becomes an article card, outside the text
    ("linkedin", True, False),  # with an image the link is appended to the text
    ("facebook", True, True),
])
def test_a_link_appended_beside_an_image_counts_toward_the_limit(network, with_media, fits):
    text = "a" * 2990
    preview = composer.preview_for(network, text, "https://bank.example/savings", with_media)
    assert preview.fits is fits
    assert preview.text.endswith("https://bank.example/savings") is with_media
