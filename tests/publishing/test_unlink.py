"""Unlinking a Facebook Page: revoke the user's grant with the last of their Pages, never before;
a refused revocation still unlinks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import responses
from responses import matchers
from sqlalchemy import select

from advisor_hub.audit.models import AuditEvent
from advisor_hub.networks import Account, FacebookAdapter, NetworkConfig, TokenCipher, TokenSet
from advisor_hub.publishing.linking import (
    GRANT_SHARED,
    REVOKE_FAILED,
    REVOKED,
    link_account,
    unlink_account,
)
from advisor_hub.publishing.models import AccountStatus, LinkedAccount, PostState
from tests.publishing.conftest import KEY, settings_for
from tests.publishing.helpers import library_post

GRAPH = "https://graph.facebook.com/v25.0"
CIPHER = TokenCipher(KEY)


@pytest.fixture
def app_overrides(sandbox: Any) -> dict[str, Any]:
    return settings_for(sandbox.url, FACEBOOK_CLIENT_ID="fb-id", FACEBOOK_CLIENT_SECRET="fb-secret")


@pytest.fixture
def graph() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def facebook() -> FacebookAdapter:
    return FacebookAdapter(NetworkConfig(client_id="fb-id", client_secret="fb-secret"))


@pytest.fixture
def page(db_session: Any, fakes: Any) -> Any:
    """Link a Page as ``fetch_profile`` gives it: with its Page token and its Facebook user."""
    def make(advisor: Any, page_id: str, user_id: str | None, *,
             approve: bool = True) -> LinkedAccount:
        account = Account(external_id=page_id, name=f"Page {page_id}",
                          token=TokenSet(access_token=f"page-token-{page_id}"),
                          grantor_id=user_id)
        linked = link_account(db_session, user=advisor, network="facebook", account=account,
                              tokens=TokenSet(access_token="user-token"), cipher=CIPHER)
        if approve:
            fakes.approvals.decide(db_session, linked.review_id, "approved")
        db_session.flush()
        return linked

    return make


def revoke_call(graph: responses.RequestsMock, user_id: str, **kwargs: Any) -> Any:
    return graph.delete(f"{GRAPH}/{user_id}/permissions", **kwargs, match=[
        matchers.header_matcher({"Authorization": "Bearer fb-id|fb-secret"})])


def unlinked_event(db_session: Any, account: LinkedAccount) -> AuditEvent:
    return db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "linked_account.unlinked",
        AuditEvent.subject_id == str(account.id))).one()


def test_the_grant_is_revoked_with_the_last_page_of_its_user(db_session, advisor, page, graph,
                                                              facebook):
    first, second = page(advisor, "5551", "10001"), page(advisor, "5552", "10001")
    page(advisor, "7771", "20002")  # another Facebook user's Page does not hold 10001's grant
    revoke = revoke_call(graph, "10001", json={"success": True})

    kept = unlink_account(db_session, account_id=first.id, actor=advisor, adapter=facebook,
                          cipher=CIPHER)
    assert kept.revocation == GRANT_SHARED and revoke.call_count == 0
    assert first.status == AccountStatus.UNLINKED and first.token_ciphertext is None
    assert unlinked_event(db_session, first).after["grant_still_used_by"] == [second.id]

    done = unlink_account(db_session, account_id=second.id, actor=advisor, adapter=facebook,
                          cipher=CIPHER)
    assert done.revocation == REVOKED and revoke.call_count == 1
    assert unlinked_event(db_session, second).after["revocation"] == REVOKED


def test_a_page_waiting_for_approval_or_a_colleagues_page_keeps_the_grant(
        db_session, advisor, factory, page, graph, facebook):
    colleague = factory.user("advisor")
    mine = page(advisor, "5551", "10001")
    pending = page(advisor, "5552", "10001", approve=False)
    theirs = page(colleague, "5553", "10001")  # the same Facebook user, linked by a colleague
    revoke = revoke_call(graph, "10001", json={"success": True})

    result = unlink_account(db_session, account_id=mine.id, actor=advisor, adapter=facebook,
                            cipher=CIPHER)
    assert result.revocation == GRANT_SHARED and revoke.call_count == 0
    assert unlinked_event(db_session, mine).after["grant_still_used_by"] == [pending.id, theirs.id]


def test_a_refused_revocation_still_unlinks_and_cancels(db_session, advisor, fakes, page, graph,
                                                        facebook):
    account = page(advisor, "5551", "10001")
    post = library_post(db_session, advisor, [account], fakes.library.add_version().id,
                        publish_now=False, when_local=datetime.now() + timedelta(days=1))
    revoke_call(graph, "10001", status=500,
                json={"error": {"message": "Service unavailable", "code": 2}})

    result = unlink_account(db_session, account_id=account.id, actor=advisor, adapter=facebook,
                            cipher=CIPHER)
    assert result.revocation == REVOKE_FAILED
    assert [t.post_id for t in result.cancelled] == [post.id] and post.state == PostState.CANCELLED
    assert account.status == AccountStatus.UNLINKED and account.token_ciphertext is None
    assert unlinked_event(db_session, account).after["revocation"] == REVOKE_FAILED


def test_a_page_linked_before_its_user_was_recorded_cannot_be_revoked(
        db_session, advisor, page, graph, facebook):
    account = page(advisor, "5551", None)
    result = unlink_account(db_session, account_id=account.id, actor=advisor, adapter=facebook,
                            cipher=CIPHER)
    assert result.revocation == REVOKE_FAILED and len(graph.calls) == 0
    assert account.status == AccountStatus.UNLINKED


def test_a_relink_records_the_user_again(db_session, advisor, page):
    account = page(advisor, "5551", None)
    assert page(advisor, "5551", "10001").id == account.id
    assert account.grantor_external_id == "10001"


def test_the_advisor_is_told_when_facebook_refuses(client, auth, advisor, page, graph):
    account = page(advisor, "5551", "10001")
    revoke_call(graph, "10001", status=500,
                json={"error": {"message": "Service unavailable", "code": 2}})
    auth.login(advisor)
    response = client.post(f"/publishing/accounts/{account.id}/unlink", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Page 5551 is unlinked." in text
    assert "Facebook did not confirm that Advisor Hub&#39;s access was removed" in text


def test_the_advisor_is_told_why_the_access_stays(client, auth, advisor, page, graph):
    account = page(advisor, "5551", "10001")
    page(advisor, "5552", "10001")
    auth.login(advisor)
    text = client.post(f"/publishing/accounts/{account.id}/unlink",
                       follow_redirects=True).get_data(as_text=True)
    assert "Advisor Hub keeps its Facebook access" in text and len(graph.calls) == 0
