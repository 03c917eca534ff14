"""One decision, one notification, naming and linking its subject, in the reader's language
(issue 14, point 7): approvals leaves posts and linked accounts to publishing, which tells
the author itself."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from advisor_hub.notifications.models import Notification
from advisor_hub.publishing.models import Post
from approvals import services as approvals
from approvals.models import Verdict
from tests.publishing.test_personalisation_guard import world  # noqa: F401 (fixture)


def _notices(session, user):
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id)
                                .order_by(Notification.id)))


@pytest.mark.both_backends
def test_a_rejected_post_gives_one_notification_with_its_reason(client, auth, db_session,
                                                                world) -> None:  # noqa: F811
    user = world["french"]
    before = len(_notices(db_session, user))
    auth.login(user)
    client.post("/publishing/compose", data={
        "text": "Un mot sur le Livret A", "account_ids": [world["accounts"][user.id].id],
        "when_mode": "now"})
    post = db_session.scalar(select(Post).where(Post.author_id == user.id))
    assert post is not None and post.review_id is not None
    approvals.decide(db_session, review_id=post.review_id, actor=world["reviewer"],
                     decision=Verdict.REJECT, reason_code="misleading", comment="Trop vague")
    db_session.flush()
    new = _notices(db_session, user)[before:]
    assert len(new) == 1
    assert new[0].url == f"/publishing/posts/{post.id}"
    page = html.unescape(client.get("/notifications").get_data(as_text=True))
    assert "Votre publication « Un mot sur le Livret A » a été refusée : Affirmation " \
           "trompeuse ou déséquilibrée. Trop vague" in page
    assert "misleading" not in page


@pytest.mark.both_backends
def test_an_approved_account_gives_one_notification(db_session, world, factory,  # noqa: F811
                                                    sandbox) -> None:
    from advisor_hub.networks import TokenCipher
    from advisor_hub.publishing.linking import link_account
    from tests.publishing.conftest import KEY, oauth_link

    user = factory.user("advisor", branch=factory.branch(city="Lyon"))
    profile, tokens = oauth_link(sandbox.url, "bob")
    account = link_account(db_session, user=user, network="sandbox",
                           account=profile.accounts[0], tokens=tokens, cipher=TokenCipher(KEY))
    before = len(_notices(db_session, user))
    approvals.decide(db_session, review_id=account.review_id, actor=world["reviewer"],
                     decision=Verdict.APPROVE)
    db_session.flush()
    assert len(_notices(db_session, user)[before:]) == 1
