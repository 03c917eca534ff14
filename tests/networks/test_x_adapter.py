import base64
import hashlib
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from responses import matchers

from advisor_hub.networks import (
    Duplicate,
    Media,
    NetworkConfig,
    NotSent,
    OutcomeUnknown,
    PermanentFailure,
    ReauthNeeded,
    TokenSet,
    XAdapter,
    new_code_verifier,
)
from advisor_hub.networks.x import weighted_length

TOKEN = TokenSet(access_token="x-access", refresh_token="x-refresh-1")
BASIC = "Basic " + base64.b64encode(b"x-id:x-secret").decode()


@pytest.fixture
def adapter() -> XAdapter:
    return XAdapter(
        NetworkConfig(
            client_id="x-id", client_secret="x-secret", redirect_uri="https://hub.example/cb/x"
        )
    )


def test_authorization_url_carries_pkce_s256(adapter):
    verifier = new_code_verifier()
    parts = urlsplit(adapter.authorization_url("st-1", verifier))
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://x.com/i/oauth2/authorize"
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert query["code_challenge"] == [expected.rstrip(b"=").decode()]
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["tweet.read tweet.write users.read offline.access media.write"]
    assert query["state"] == ["st-1"]
    assert query["response_type"] == ["code"]
    assert 43 <= len(verifier) <= 128


def test_pkce_is_mandatory(adapter):
    with pytest.raises(ValueError):
        adapter.authorization_url("st")
    with pytest.raises(ValueError):
        adapter.exchange_code("code")


@responses.activate
def test_exchange_code_sends_verifier_with_basic_auth(adapter):
    responses.post(
        "https://api.x.com/2/oauth2/token",
        json={
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": "at-1",
            "scope": "tweet.write users.read tweet.read offline.access",
            "refresh_token": "rt-1",
        },
        match=[
            matchers.header_matcher({"Authorization": BASIC}),
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": "abc",
                    "redirect_uri": "https://hub.example/cb/x",
                    "code_verifier": "v" * 50,
                }
            ),
        ],
    )
    token = adapter.exchange_code("abc", "v" * 50)
    assert (token.access_token, token.refresh_token) == ("at-1", "rt-1")
    assert 7100 < (token.expires_at.timestamp() - time.time()) <= 7201


@responses.activate
def test_refresh_returns_the_rotated_pair(adapter):
    responses.post(
        "https://api.x.com/2/oauth2/token",
        json={
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": "at-2",
            "refresh_token": "x-refresh-2",
            "scope": "tweet.write",
        },
        match=[
            matchers.header_matcher({"Authorization": BASIC}),
            matchers.urlencoded_params_matcher(
                {"grant_type": "refresh_token", "refresh_token": "x-refresh-1"}
            ),
        ],
    )
    new = adapter.refresh(TOKEN)
    assert (new.access_token, new.refresh_token) == ("at-2", "x-refresh-2")


@pytest.mark.parametrize(
    "body",
    [
        {"error": "invalid_grant", "error_description": "refresh token used"},
        {
            "error": "invalid_request",
            "error_description": "Value passed for the token was invalid.",
        },
    ],
)
@responses.activate
def test_refused_refresh_needs_reauth(adapter, body):
    responses.post("https://api.x.com/2/oauth2/token", status=400, json=body)
    with pytest.raises(ReauthNeeded):
        adapter.refresh(TOKEN)


@responses.activate
def test_refresh_server_error_is_outcome_unknown(adapter):
    responses.post("https://api.x.com/2/oauth2/token", status=502, body="bad gateway")
    with pytest.raises(OutcomeUnknown):
        adapter.refresh(TOKEN)


@responses.activate
def test_fetch_profile(adapter):
    responses.get(
        "https://api.x.com/2/users/me",
        json={
            "data": {
                "id": "2244994945",
                "name": "Alice",
                "username": "alice_conseil",
                "profile_image_url": "https://pbs.twimg.com/a.jpg",
            }
        },
        match=[matchers.query_param_matcher({"user.fields": "profile_image_url"})],
    )
    profile = adapter.fetch_profile(TOKEN)
    assert profile.external_id == "2244994945"
    assert profile.profile_url == "https://x.com/alice_conseil"


@responses.activate
def test_publish_appends_link_to_text(adapter):
    responses.post(
        "https://api.x.com/2/tweets",
        status=201,
        json={"data": {"id": "1445880548472328192", "text": "..."}},
        match=[
            matchers.header_matcher({"Authorization": "Bearer x-access"}),
            matchers.json_params_matcher({"text": "New rates\n\nhttps://bank.example/r"}),
        ],
    )
    result = adapter.publish(TOKEN, "2244994945", "New rates", "https://bank.example/r", "k")
    assert result.post_id == "1445880548472328192"
    assert result.post_url == "https://x.com/i/web/status/1445880548472328192"


def test_weighted_length_counts_urls_as_23():
    long_url = "https://bank.example/" + "a" * 100
    assert weighted_length(f"see {long_url}.") == 4 + 23 + 1
    assert weighted_length("www.bank.example/x") == 23
    assert weighted_length("abc") == 3
    assert weighted_length("日本") == 4
    assert weighted_length("👍🏽") == 2
    assert weighted_length("👨‍👩‍👧") == 2


def test_fits_includes_appended_link(adapter):
    text = "a" * 255
    assert adapter.fits(text, "https://bank.example/" + "x" * 200)  # 255 + 2 + 23 = 280
    assert not adapter.fits(text + "a", "https://bank.example/")


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        (
            429,
            {"title": "Too Many Requests"},
            {"x-rate-limit-reset": "in 60 s"},  # made absolute when the test runs
            NotSent,
        ),
        (429, {"title": "Too Many Requests"}, {"Retry-After": "12"}, NotSent),
        (500, {}, {}, OutcomeUnknown),
        (503, {"title": "Service Unavailable"}, {}, OutcomeUnknown),
        (401, {"title": "Unauthorized", "status": 401}, {}, ReauthNeeded),
        (
            403,
            {
                "detail": "You are not allowed to create a Tweet with duplicate content.",
                "type": "about:blank",
                "title": "Forbidden",
                "status": 403,
            },
            {},
            Duplicate,
        ),
        (
            403,
            {"detail": "You are not permitted to perform this action.", "status": 403},
            {},
            PermanentFailure,
        ),
        (
            400,
            {"errors": [{"message": "text too long"}], "title": "Invalid Request"},
            {},
            PermanentFailure,
        ),
    ],
)
@responses.activate
def test_publish_error_classification(adapter, status, body, headers, expected):
    if headers.get("x-rate-limit-reset") == "in 60 s":
        headers = {"x-rate-limit-reset": str(int(time.time()) + 60)}
    responses.post("https://api.x.com/2/tweets", status=status, json=body, headers=headers)
    with pytest.raises(expected) as info:
        adapter.publish(TOKEN, "1", "hello", None, "k")
    if expected is NotSent:
        assert 0 < info.value.retry_after <= 60


@responses.activate
def test_connection_refused_is_not_sent(adapter):
    responses.post("https://api.x.com/2/tweets", body=requests.ConnectionError("refused"))
    # A bare ConnectionError may follow a send (connection reset): outcome unknown.
    with pytest.raises(OutcomeUnknown):
        adapter.publish(TOKEN, "1", "hello", None, "k")


@responses.activate
def test_revoke(adapter):
    responses.post(
        "https://api.x.com/2/oauth2/revoke",
        match=[
            matchers.header_matcher({"Authorization": BASIC}),
            matchers.urlencoded_params_matcher(
                {"token": "x-refresh-1", "token_type_hint": "refresh_token", "client_id": "x-id"}
            ),
        ],
    )
    assert adapter.revoke(TOKEN) is True


def test_request_body_is_json(adapter):
    with responses.RequestsMock() as rsps:
        rsps.post("https://api.x.com/2/tweets", status=201, json={"data": {"id": "1"}})
        adapter.publish(TOKEN, "1", "hi", None, "k")
        assert json.loads(rsps.calls[0].request.body) == {"text": "hi"}


# -- images -------------------------------------------------------------------------------

IMAGE = Media.from_bytes(b"RIFF fake webp bytes", filename="beef.webp")
UPLOAD = "https://api.x.com/2/media/upload"
TWEETS = "https://api.x.com/2/tweets"


@responses.activate
def test_publish_with_image_uploads_then_attaches_the_media_id(adapter):
    responses.post(
        UPLOAD,
        json={"data": {"id": "1880028106020515840", "media_key": "3_1880028106020515840",
                       "size": IMAGE.size, "expires_after_secs": 86400}},
        match=[
            matchers.header_matcher({"Authorization": "Bearer x-access"}),
            matchers.multipart_matcher({"media": ("beef.webp", IMAGE.data, "image/webp")},
                                       data={"media_category": "tweet_image"}),
        ],
    )
    responses.post(
        TWEETS,
        status=201,
        json={"data": {"id": "1445880548472328192", "text": "..."}},
        match=[matchers.json_params_matcher({
            "text": "New rates\n\nhttps://bank.example/r",
            "media": {"media_ids": ["1880028106020515840"]},
        })],
    )
    result = adapter.publish(TOKEN, "2244994945", "New rates", "https://bank.example/r", "k",
                             media=IMAGE)
    assert result.post_id == "1445880548472328192"
    assert [c.request.url for c in responses.calls] == [UPLOAD, TWEETS]


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        ({"status": 500, "json": {}}, NotSent),
        ({"status": 503, "json": {"title": "Service Unavailable"}}, NotSent),
        ({"body": requests.ReadTimeout("read timed out")}, NotSent),
        ({"body": requests.ConnectionError("reset")}, NotSent),
        ({"status": 429, "json": {}, "headers": {"Retry-After": "12"}}, NotSent),
        ({"status": 200, "json": {"data": {}}}, NotSent),
        ({"status": 401, "json": {"title": "Unauthorized"}}, ReauthNeeded),
        ({"status": 400, "json": {"errors": [{"message": "media type unrecognized"}]}},
         PermanentFailure),
    ],
)
@responses.activate
def test_an_upload_failure_means_the_post_was_not_sent(adapter, failure, expected):
    responses.post(UPLOAD, **failure)
    tweets = responses.post(TWEETS, status=201, json={"data": {"id": "1"}})
    with pytest.raises(expected) as info:
        adapter.publish(TOKEN, "1", "hello", None, "k", media=IMAGE)
    assert not isinstance(info.value, OutcomeUnknown)
    assert tweets.call_count == 0
    if failure.get("headers"):
        assert info.value.retry_after == 12


@responses.activate
def test_a_grant_without_media_write_must_be_relinked_before_any_upload(adapter):
    old_grant = TokenSet(access_token="x-access", scope="tweet.read tweet.write users.read")
    with pytest.raises(ReauthNeeded, match="media.write"):
        adapter.publish(old_grant, "1", "hello", None, "k", media=IMAGE)
    assert len(responses.calls) == 0
    # Text-only posts still go out with that grant.
    responses.post(TWEETS, status=201, json={"data": {"id": "7"}})
    assert adapter.publish(old_grant, "1", "hello", None, "k").post_id == "7"
