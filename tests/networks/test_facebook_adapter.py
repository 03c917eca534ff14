import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from responses import matchers

from advisor_hub.networks import (
    AuthorizationFailed,
    Duplicate,
    FacebookAdapter,
    Media,
    NetworkConfig,
    NotSent,
    OutcomeUnknown,
    PermanentFailure,
    ReauthNeeded,
    TokenSet,
)

GRAPH = "https://graph.facebook.com/v25.0"
USER_TOKEN = TokenSet(access_token="user-token")
PAGE_TOKEN = TokenSet(access_token="page-token-1")


def proof(token: str) -> str:
    return hmac.new(b"fb-secret", token.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def adapter() -> FacebookAdapter:
    return FacebookAdapter(
        NetworkConfig(
            client_id="fb-id", client_secret="fb-secret", redirect_uri="https://hub.example/cb/fb"
        )
    )


def test_authorization_url(adapter):
    parts = urlsplit(adapter.authorization_url("st"))
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://www.facebook.com/v25.0/dialog/oauth"
    )
    assert query["scope"] == ["pages_manage_posts pages_read_engagement pages_show_list "
                              "pages_manage_engagement"]
    assert query["state"] == ["st"]
    assert query["client_id"] == ["fb-id"]


@responses.activate
def test_exchange_code_then_long_lived_token(adapter):
    responses.post(
        f"{GRAPH}/oauth/access_token",
        json={"access_token": "short", "token_type": "bearer", "expires_in": 5400},
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": "c0de",
                    "redirect_uri": "https://hub.example/cb/fb",
                    "client_id": "fb-id",
                    "client_secret": "fb-secret",
                }
            )
        ],
    )
    responses.get(
        f"{GRAPH}/oauth/access_token",
        json={"access_token": "long", "token_type": "bearer", "expires_in": 5183944},
        match=[
            matchers.query_param_matcher(
                {
                    "grant_type": "fb_exchange_token",
                    "client_id": "fb-id",
                    "client_secret": "fb-secret",
                    "fb_exchange_token": "short",
                }
            )
        ],
    )
    token = adapter.exchange_code("c0de")
    assert token.access_token == "long"
    assert token.expires_at is not None


@responses.activate
def test_exchange_code_refused_is_authorization_failed(adapter):
    responses.post(
        f"{GRAPH}/oauth/access_token",
        status=400,
        json={"error": {"message": "code has expired", "type": "OAuthException", "code": 100}},
    )
    with pytest.raises(AuthorizationFailed):
        adapter.exchange_code("old")


@responses.activate
def test_fetch_profile_lists_pages_with_their_page_tokens(adapter):
    responses.get(
        f"{GRAPH}/me",
        json={"id": "10001", "name": "Alice Martin"},
        match=[matchers.header_matcher({"Authorization": "Bearer user-token"})],
    )
    responses.get(
        f"{GRAPH}/me/accounts",
        json={
            "data": [
                {
                    "id": "5551",
                    "name": "Alice Martin - Conseil",
                    "access_token": "page-token-1",
                    "link": "https://www.facebook.com/alice.conseil",
                    "picture": {"data": {"url": "https://fb.example/p.jpg"}},
                },
                {"id": "5552", "name": "Read-only Page"},
            ],
            "paging": {"next": f"{GRAPH}/me/accounts?after=abc"},
        },
        match=[
            matchers.query_param_matcher(
                {
                    "fields": "id,name,access_token,link,picture{url}",
                    "limit": "100",
                    "appsecret_proof": proof("user-token"),
                }
            )
        ],
    )
    responses.get(
        f"{GRAPH}/me/accounts",
        json={"data": [{"id": "5553", "name": "Second", "access_token": "page-token-3"}]},
        match=[matchers.query_param_matcher({"after": "abc"})],
    )
    profile = adapter.fetch_profile(USER_TOKEN)
    assert profile.external_id == "10001"
    assert [(a.external_id, a.token.access_token) for a in profile.accounts] == [
        ("5551", "page-token-1"),
        ("5553", "page-token-3"),
    ]
    assert profile.accounts[0].picture_url == "https://fb.example/p.jpg"
    # Each Page remembers the user who linked it: revoking goes through that user.
    assert {a.grantor_id for a in profile.accounts} == {"10001"}


@responses.activate
def test_publish_uses_page_token_and_page_feed(adapter):
    responses.post(
        f"{GRAPH}/5551/feed",
        json={"id": "5551_987654321"},
        match=[
            matchers.header_matcher({"Authorization": "Bearer page-token-1"}),
            matchers.query_param_matcher({"appsecret_proof": proof("page-token-1")}),
            matchers.urlencoded_params_matcher(
                {"message": "Rates are up (a bit)", "link": "https://bank.example/rates"}
            ),
        ],
    )
    result = adapter.publish(
        PAGE_TOKEN, "5551", "Rates are up (a bit)", "https://bank.example/rates", "k"
    )
    assert result.post_id == "5551_987654321"
    assert result.post_url == "https://www.facebook.com/5551_987654321"
    assert "user-token" not in str(responses.calls[0].request.headers)


def test_refresh_is_reauth(adapter):
    with pytest.raises(ReauthNeeded):
        adapter.refresh(TokenSet(access_token="x", refresh_token="y"))


def fb_error(code, message="boom", **extra):
    return {"error": {"message": message, "type": "OAuthException", "code": code, **extra}}


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        (400, fb_error(190, "Error validating access token", error_subcode=463), {}, ReauthNeeded),
        (403, fb_error(200, "Permissions error"), {}, ReauthNeeded),
        (400, fb_error(506, "Duplicate status message", error_subcode=1455006), {}, Duplicate),
        (400, fb_error(32, "Page request limit reached"), {"Retry-After": "60"}, NotSent),
        (429, {}, {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}, NotSent),
        (
            500,
            fb_error(2, "Service temporarily unavailable", is_transient=True),
            {},
            OutcomeUnknown,
        ),
        (500, {}, {}, OutcomeUnknown),
        (400, fb_error(100, "Invalid parameter"), {}, PermanentFailure),
        (400, fb_error(368, "The action attempted has been deemed abusive"), {}, PermanentFailure),
    ],
)
@responses.activate
def test_publish_error_classification(adapter, status, body, headers, expected):
    responses.post(f"{GRAPH}/5551/feed", status=status, json=body, headers=headers)
    with pytest.raises(expected) as info:
        adapter.publish(PAGE_TOKEN, "5551", "Hello", None, "k")
    if expected is NotSent and "Retry-After" in headers:
        assert info.value.retry_after > 0


@responses.activate
def test_revoke_deletes_the_users_permissions_with_the_app_token(adapter):
    responses.delete(
        f"{GRAPH}/10001/permissions",
        json={"success": True},
        match=[
            matchers.header_matcher({"Authorization": "Bearer fb-id|fb-secret"}),
            matchers.query_param_matcher({"appsecret_proof": proof("fb-id|fb-secret")}),
        ],
    )
    assert adapter.revoke(PAGE_TOKEN, grantor_id="10001") is True
    request = responses.calls[0].request
    assert "page-token-1" not in str(request.headers)
    assert "fb-secret" not in request.url  # the app secret never travels in the URL


@responses.activate
def test_revoke_answered_without_success_is_an_error(adapter):
    responses.delete(f"{GRAPH}/10001/permissions", json={"success": False})
    with pytest.raises(OutcomeUnknown):
        adapter.revoke(PAGE_TOKEN, grantor_id="10001")


@responses.activate
def test_revoke_refused_is_classified(adapter):
    responses.delete(
        f"{GRAPH}/10001/permissions", status=400, json=fb_error(100, "Unsupported delete request")
    )
    with pytest.raises(PermanentFailure):
        adapter.revoke(PAGE_TOKEN, grantor_id="10001")


@responses.activate
def test_revoke_without_the_user_id_sends_nothing(adapter):
    with pytest.raises(ValueError, match="user"):
        adapter.revoke(PAGE_TOKEN)
    assert len(responses.calls) == 0


# -- images -------------------------------------------------------------------------------

IMAGE = Media.from_bytes(b"\xff\xd8\xff fake jpeg bytes", filename="c0ffee.jpg")


@responses.activate
def test_publish_with_image_posts_a_page_photo_with_the_link_in_the_message(adapter):
    responses.post(
        f"{GRAPH}/5551/photos",
        json={"id": "1122334455", "post_id": "5551_987654321"},
        match=[
            matchers.header_matcher({"Authorization": "Bearer page-token-1"}),
            matchers.query_param_matcher({"appsecret_proof": proof("page-token-1")}),
            matchers.multipart_matcher(
                {"source": ("c0ffee.jpg", IMAGE.data, "image/jpeg")},
                data={"message": "Rates are up\n\nhttps://bank.example/rates"},
            ),
        ],
    )
    feed = responses.post(f"{GRAPH}/5551/feed", json={"id": "5551_1"})
    result = adapter.publish(PAGE_TOKEN, "5551", "Rates are up", "https://bank.example/rates",
                             "k", media=IMAGE)
    assert result.post_id == "5551_987654321"  # the Page post, not the photo
    assert result.post_url == "https://www.facebook.com/5551_987654321"
    assert feed.call_count == 0 and len(responses.calls) == 1


@responses.activate
def test_photo_answer_without_post_id_falls_back_to_the_photo_id(adapter):
    responses.post(f"{GRAPH}/5551/photos", json={"id": "1122334455"})
    result = adapter.publish(PAGE_TOKEN, "5551", "Hello", None, "k", media=IMAGE)
    assert result.post_id == "1122334455"


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        ({"body": requests.ConnectTimeout("slow")}, NotSent),
        ({"status": 400, "json": fb_error(32, "Page request limit reached")}, NotSent),
        ({"status": 400, "json": fb_error(190, "Error validating access token")}, ReauthNeeded),
        ({"status": 400, "json": fb_error(324, "Missing or invalid image file")},
         PermanentFailure),
        # /photos is the create call itself (there is no separate upload step on Facebook),
        # so an unreadable answer may follow a published post.
        ({"status": 500, "json": {}}, OutcomeUnknown),
    ],
)
@responses.activate
def test_photo_failures_are_classified_like_any_page_post(adapter, failure, expected):
    responses.post(f"{GRAPH}/5551/photos", **failure)
    with pytest.raises(expected):
        adapter.publish(PAGE_TOKEN, "5551", "Hello", None, "k", media=IMAGE)
