"""Separation of duties for publishing's kinds (issue 11, point 2), with the real approvals
package: a post and a linked account are only ever changed by their author (an edit is a new
post by the same author), who is registered as their editor and may not decide on them."""

from __future__ import annotations

from typing import Any

import pytest

from advisor_hub.errors import NotFound
from advisor_hub.networks import TokenCipher
from advisor_hub.publishing import services as publishing
from advisor_hub.publishing.linking import link_account
from advisor_hub.publishing.models import AccountStatus, PostState
from approvals import services as approvals
from approvals.errors import OwnContent
from approvals.models import Verdict
from tests.publishing.conftest import KEY, oauth_link
from tests.publishing.helpers import free_post


@pytest.fixture
def people(app: Any, factory: Any) -> dict[str, Any]:
    # The app registers the review kinds (advisor_hub.features).
    branch = factory.branch(city="Lyon")
    return {"dual": factory.user("advisor", "compliance", branch=branch, first_name="Dual"),
            "colleague": factory.user("advisor", branch=branch, first_name="Colette"),
            "reviewer": factory.user("compliance")}


def _account(db_session: Any, sandbox: Any, user: Any) -> Any:
    profile, tokens = oauth_link(sandbox.url, "alice")
    return link_account(db_session, user=user, network="sandbox", account=profile.accounts[0],
                        tokens=tokens, cipher=TokenCipher(KEY))


def test_who_linked_an_account_cannot_approve_it(db_session, sandbox, people) -> None:
    dual, reviewer = people["dual"], people["reviewer"]
    account = _account(db_session, sandbox, dual)
    assert publishing.account_editors(db_session, account.id) == {dual.id}
    assert approvals.barred_from_deciding(
        db_session, approvals.get_review(db_session, account.review_id)) == {dual.id}
    with pytest.raises(OwnContent):
        approvals.decide(db_session, review_id=account.review_id, actor=dual,
                         decision=Verdict.APPROVE)
    assert account.status == AccountStatus.PENDING_APPROVAL
    approvals.decide(db_session, review_id=account.review_id, actor=reviewer,
                     decision=Verdict.APPROVE)
    assert account.status == AccountStatus.ACTIVE


def test_the_author_of_a_post_and_of_its_edit_cannot_decide_it(db_session, sandbox,
                                                              people) -> None:
    dual, colleague, reviewer = people["dual"], people["colleague"], people["reviewer"]
    account = _account(db_session, sandbox, dual)
    approvals.decide(db_session, review_id=account.review_id, actor=reviewer,
                     decision=Verdict.APPROVE)
    post = free_post(db_session, dual, [account], "Our branch opens on Saturday.")
    assert post.state == PostState.PENDING_REVIEW
    assert publishing.post_editors(db_session, post.id) == {dual.id}
    for verdict, extra in ((Verdict.APPROVE, {}), (Verdict.ESCALATE, {"comment": "?"}),
                           (Verdict.REJECT, {"reason_code": "misleading"})):
        with pytest.raises(OwnContent):
            approvals.decide(db_session, review_id=post.review_id, actor=dual,
                             decision=verdict, **extra)
    # Nobody but the author can change the post: an edit is a new post of the same author.
    with pytest.raises(NotFound):
        publishing.edit_post(db_session, post_id=post.id, actor=colleague, body="Changed",
                             link_url=None, publish_now=True, when_local=None)
    edited = publishing.edit_post(db_session, post_id=post.id, actor=dual,
                                  body="Our branch opens on Saturday, 9:00-12:00.",
                                  link_url=None, publish_now=True, when_local=None)
    assert publishing.post_editors(db_session, edited.id) == {dual.id}
    with pytest.raises(OwnContent):
        approvals.decide(db_session, review_id=edited.review_id, actor=dual,
                         decision=Verdict.APPROVE)
    approvals.decide(db_session, review_id=edited.review_id, actor=reviewer,
                     decision=Verdict.APPROVE)
    assert edited.state == PostState.SCHEDULED
