"""Comments on the networks, request shapes recorded with ``responses``: Facebook's Graph API
(``GET /{post-id}/comments`` with the Page token, paging, the time cursor; a reply as the Page;
hiding with ``is_hidden``), X's recent search by ``conversation_id`` (``since_id``, paging,
a reply), and LinkedIn's refusal (partner-only)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses import matchers

from advisor_hub.networks import (
    CommentsUnsupported,
    FacebookAdapter,
    LinkedInAdapter,
    NetworkConfig,
    NotSent,
    TokenSet,
    XAdapter,
)

GRAPH = "https://graph.facebook.com/v25.0"
PAGE_TOKEN = TokenSet(access_token="page-token-1")
X_TOKEN = TokenSet(access_token="x-access")


def proof(token: str) -> str:
    return hmac.new(b"fb-secret", token.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def facebook() -> FacebookAdapter:
    return FacebookAdapter(NetworkConfig(client_id="fb-id", client_secret="fb-secret"))


@pytest.fixture
def x() -> XAdapter:
    return XAdapter(NetworkConfig(client_id="x-id", client_secret="x-secret"))


def node(n: int, when: str, parent: str | None = None) -> dict:
    data = {"id": f"111_{n}", "message": f"comment {n}", "created_time": when,
            "from": {"id": f"user-{n}", "name": f"Client {n}"}, "is_hidden": False}
    if parent:
        data["parent"] = {"id": parent}
    return data


@responses.activate
def test_facebook_lists_a_page_post_s_comments_with_the_page_token(facebook) -> None:
    responses.get(
        f"{GRAPH}/111/comments",
        match=[matchers.header_matcher({"Authorization": "Bearer page-token-1"}),
               matchers.query_param_matcher({
                   "fields": "id,message,created_time,from{id,name},parent{id},is_hidden",
                   "filter": "stream", "order": "reverse_chronological", "limit": "100",
                   "appsecret_proof": proof("page-token-1")})],
        json={"data": [node(2, "2026-12-02T10:05:00+0000", parent="111_1"),
                       node(1, "2026-12-02T10:00:00+0000")],
              "paging": {"cursors": {"after": "A2"},
                         "next": f"{GRAPH}/111/comments?after=A2&limit=100"}})
    responses.get(f"{GRAPH}/111/comments", match=[matchers.query_param_matcher(
        {"after": "A2", "limit": "100"})], json={"data": [], "paging": {}})
    page = facebook.list_comments(PAGE_TOKEN, "111")
    assert [c.external_id for c in page.comments] == ["111_2", "111_1"]
    first = page.comments[1]
    assert (first.author_id, first.author_name, first.text) == ("user-1", "Client 1", "comment 1")
    assert first.created_at == datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    assert page.comments[0].parent_id == "111_1"
    assert page.complete and page.cursor == "2026-12-02T10:05:00+00:00"


@responses.activate
def test_facebook_reads_down_to_the_cursor_only(facebook) -> None:
    responses.get(f"{GRAPH}/111/comments", json={
        "data": [node(3, "2026-12-02T11:00:00+0000"), node(2, "2026-12-02T10:05:00+0000"),
                 node(1, "2026-12-02T10:00:00+0000")],
        "paging": {"next": f"{GRAPH}/111/comments?after=X"}})
    page = facebook.list_comments(PAGE_TOKEN, "111", since="2026-12-02T10:05:00+00:00")
    # The cursor's own second is read again (stored once by the caller); older ones are not,
    # and the next page is not fetched.
    assert [c.external_id for c in page.comments] == ["111_3", "111_2"]
    assert len(responses.calls) == 1
    assert page.cursor == "2026-12-02T11:00:00+00:00"


@responses.activate
def test_facebook_keeps_the_old_cursor_when_the_page_budget_runs_out(facebook) -> None:
    from advisor_hub.networks import comments

    responses.get(f"{GRAPH}/111/comments", json={
        "data": [node(3, "2026-12-02T11:00:00+0000")],
        "paging": {"next": f"{GRAPH}/111/comments?after=X"}})
    page = comments.read_graph_comments(
        lambda url, params: facebook._api("GET", url, PAGE_TOKEN, params=params).json(),
        f"{GRAPH}/111/comments", {}, "2026-12-01T00:00:00+00:00", max_pages=1)
    assert not page.complete and page.cursor == "2026-12-01T00:00:00+00:00"


@responses.activate
def test_facebook_replies_as_the_page_and_hides_a_comment(facebook) -> None:
    responses.post(f"{GRAPH}/111_1/comments",
                   match=[matchers.header_matcher({"Authorization": "Bearer page-token-1"}),
                          matchers.query_param_matcher({"appsecret_proof": proof("page-token-1")}),
                          matchers.urlencoded_params_matcher({"message": "Thank you!"})],
                   json={"id": "111_9"})
    responses.post(f"{GRAPH}/111_1",
                   match=[matchers.urlencoded_params_matcher({"is_hidden": "true"})],
                   json={"success": True})
    assert facebook.reply(PAGE_TOKEN, "page-1", "111", "111_1", "Thank you!") == "111_9"
    facebook.hide_comment(PAGE_TOKEN, "111_1")
    assert [c.request.method for c in responses.calls] == ["POST", "POST"]


@responses.activate
def test_facebook_rate_limit_on_comments_is_not_sent(facebook) -> None:
    responses.get(f"{GRAPH}/111/comments", status=400,
                  json={"error": {"message": "Application request limit reached", "code": 4}})
    with pytest.raises(NotSent):
        facebook.list_comments(PAGE_TOKEN, "111")


def test_facebook_asks_for_the_engagement_permission(facebook) -> None:
    assert "pages_manage_engagement" in facebook.config.scopes


@responses.activate
def test_x_searches_the_conversation_since_the_last_reply(x) -> None:
    first = {"query": "conversation_id:1900", "since_id": "1950",
             "tweet.fields": "author_id,created_at,conversation_id,in_reply_to_user_id,"
                             "referenced_tweets",
             "expansions": "author_id", "user.fields": "name,username", "max_results": "100"}
    responses.get("https://api.x.com/2/tweets/search/recent",
                  match=[matchers.header_matcher({"Authorization": "Bearer x-access"}),
                         matchers.query_param_matcher(first)],
                  json={"data": [{"id": "1990", "text": "@bank same question",
                                  "author_id": "42", "created_at": "2026-12-02T10:00:00.000Z",
                                  "referenced_tweets": [{"type": "replied_to", "id": "1960"}]}],
                        "includes": {"users": [{"id": "42", "name": "Claire", "username": "cp"}]},
                        "meta": {"newest_id": "1990", "result_count": 1, "next_token": "T2"}})
    responses.get("https://api.x.com/2/tweets/search/recent",
                  match=[matchers.query_param_matcher({**first, "pagination_token": "T2"})],
                  json={"data": [{"id": "1970", "text": "@bank hi", "author_id": "43",
                                  "created_at": "2026-12-02T09:00:00.000Z",
                                  "referenced_tweets": [{"type": "replied_to", "id": "1900"}]}],
                        "meta": {"result_count": 1}})
    page = x.list_comments(X_TOKEN, "1900", since="1950")
    assert [c.external_id for c in page.comments] == ["1990", "1970"]
    assert page.comments[0].author_name == "Claire" and page.comments[0].parent_id == "1960"
    assert page.comments[1].parent_id is None  # a reply to the post itself
    assert page.comments[0].created_at == datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    assert page.cursor == "1990" and page.reads == 2  # two posts read: two billed


@responses.activate
def test_x_replies_in_the_conversation(x) -> None:
    responses.post("https://api.x.com/2/tweets",
                   match=[matchers.json_params_matcher(
                       {"text": "Thanks!", "reply": {"in_reply_to_tweet_id": "1990"}})],
                   json={"data": {"id": "2001", "text": "Thanks!"}})
    assert x.reply(X_TOKEN, "me", "1900", "1990", "Thanks!") == "2001"


def test_x_does_not_hide_and_linkedin_reads_no_comments() -> None:
    x = XAdapter(NetworkConfig())
    linkedin = LinkedInAdapter(NetworkConfig())
    assert x.supports_comments and not x.supports_hide
    assert not linkedin.supports_comments
    with pytest.raises(CommentsUnsupported):
        x.hide_comment(X_TOKEN, "1990")
    with pytest.raises(CommentsUnsupported, match="cannot read comments"):
        linkedin.list_comments(TokenSet(access_token="li"), "urn:li:share:1")


@responses.activate
def test_x_cursor_is_unchanged_when_nothing_is_new(x) -> None:
    responses.get("https://api.x.com/2/tweets/search/recent",
                  json={"meta": {"result_count": 0}})
    page = x.list_comments(X_TOKEN, "1900", since="1990")
    assert page.comments == () and page.cursor == "1990" and page.reads == 0
    assert parse_qs(urlsplit(responses.calls[0].request.url).query)["since_id"] == ["1990"]
