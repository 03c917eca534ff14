"""Publishing through the web client: linking over real OAuth, the composer, my posts."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from sqlalchemy import select

from advisor_hub.publishing.models import AccountStatus, LinkedAccount, Post, PostState, TargetState
from tests.publishing.helpers import library_post


def test_link_a_sandbox_account_through_the_views(client, auth, advisor, fakes, db_session,
                                                  sandbox):
    auth.login(advisor)
    start = client.get("/publishing/accounts/link/sandbox")
    assert start.status_code == 302 and start.location.startswith(sandbox.url)
    assert "code_challenge=" in start.location  # PKCE
    consent = requests.get(start.location + "&auto=1&login=carol", allow_redirects=False,
                           timeout=5)
    callback = urlsplit(consent.headers["Location"])
    done = client.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 302
    account = db_session.scalars(select(LinkedAccount)).one()
    assert account.status == AccountStatus.PENDING_APPROVAL and account.user_id == advisor.id
    assert fakes.approvals.reviews[account.review_id].kind == "linked_account"
    page = client.get("/publishing/accounts").get_data(as_text=True)
    assert account.display_name in page and "Pending approval" in page
    # Not selectable in the composer until approved.
    assert account.display_name not in client.get("/publishing/compose").get_data(as_text=True)
    fakes.approvals.decide(db_session, account.review_id, "approved")
    db_session.flush()
    assert account.display_name in client.get("/publishing/compose").get_data(as_text=True)


def test_callback_with_a_wrong_state_links_nothing(client, auth, advisor, fakes, db_session,
                                                   sandbox):
    auth.login(advisor)
    start = client.get("/publishing/accounts/link/sandbox")
    consent = requests.get(start.location.replace("state=", "state=x") + "&auto=1",
                           allow_redirects=False, timeout=5)
    callback = urlsplit(consent.headers["Location"])
    client.get(f"{callback.path}?{callback.query}")
    assert db_session.scalars(select(LinkedAccount)).first() is None


def test_unconfigured_networks_are_shown_unavailable(client, auth, advisor, fakes):
    auth.login(advisor)
    page = client.get("/publishing/accounts").get_data(as_text=True)
    assert "LinkedIn (unavailable: not configured)" in page
    assert client.get("/publishing/accounts/link/linkedin").status_code == 302


def test_compose_a_library_post_and_see_it_in_my_posts(client, auth, advisor, fakes, link,
                                                       db_session):
    account = link(advisor)
    version = fakes.library.add_version()
    auth.login(advisor)
    form = client.get(f"/publishing/compose?version_id={version.id}").get_data(as_text=True)
    assert "Meet me at Lyon, Alice" in form
    response = client.post(f"/publishing/compose?version_id={version.id}", data={
        "text": "Meet me at Lyon, Alice", "account_ids": [account.id], "when_mode": "now",
        "version_id": version.id})
    assert response.status_code == 302, response.get_data(as_text=True)
    post = db_session.scalars(select(Post)).one()
    assert post.state == PostState.SCHEDULED
    assert "Meet me at Lyon" in client.get("/publishing/posts").get_data(as_text=True)
    preview = client.get(f"/publishing/compose/preview?text=Hi&account_id={account.id}").json
    assert preview == [{"network": "sandbox", "label": "Sandbox", "text": "Hi", "count": 2,
                        "limit": 5000, "fits": True, "visible": "Hi", "folded": False,
                        "link_url": None, "link_host": "", "media_url": None}]


def test_composer_shows_the_dst_gap_refusal(client, auth, advisor, fakes, link):
    account = link(advisor)
    auth.login(advisor)
    page = client.post("/publishing/compose", data={
        "text": "Hello", "account_ids": [account.id], "when_mode": "later",
        "when": "2027-03-28T02:30"}).get_data(as_text=True)
    assert "does not exist" in page


def test_other_advisors_posts_and_accounts_are_404(client, auth, advisor, fakes, link,
                                                   factory, db_session):
    other = factory.user("advisor")
    account = link(other, login="dave")
    post = library_post(db_session, other, [account], fakes.library.add_version().id)
    db_session.flush()
    auth.login(advisor)
    assert client.get(f"/publishing/posts/{post.id}").status_code == 404
    assert client.post(f"/publishing/posts/{post.id}/cancel").status_code == 404
    assert client.get(f"/publishing/posts/{post.id}/edit").status_code == 404
    assert client.post(f"/publishing/accounts/{account.id}/unlink").status_code == 404
    db_session.expire_all()
    assert db_session.get(Post, post.id).state == TargetState.SCHEDULED
