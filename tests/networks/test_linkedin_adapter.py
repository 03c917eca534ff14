import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from responses import matchers

from advisor_hub.networks import (
    Duplicate,
    LinkedInAdapter,
    Media,
    NetworkConfig,
    NotSent,
    OutcomeUnknown,
    PermanentFailure,
    ReauthNeeded,
    TokenSet,
    build_adapter,
)
from advisor_hub.networks.linkedin import escape_little

API = "https://api.linkedin.com"
TOKEN = TokenSet(access_token="li-access", scope="openid profile w_member_social")


@pytest.fixture
def adapter() -> LinkedInAdapter:
    config = NetworkConfig(
        client_id="li-id", client_secret="li-secret", redirect_uri="https://hub.example/cb/li"
    )
    return build_adapter("linkedin", config)


def test_escape_little_escapes_every_reserved_character():
    reserved = "\\|{}@[]()<>#*_~"
    assert escape_little(reserved) == "".join("\\" + c for c in reserved)
    assert escape_little("Rates (fixed) up 2% #savings @bank") == (
        "Rates \\(fixed\\) up 2% \\#savings \\@bank"
    )
    assert escape_little("plain text, é and 😀.") == "plain text, é and 😀."


def test_authorization_url_has_scopes_state_and_no_pkce(adapter):
    url = adapter.authorization_url("state-123")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://www.linkedin.com/oauth/v2/authorization"
    )
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["li-id"]
    assert query["redirect_uri"] == ["https://hub.example/cb/li"]
    assert query["state"] == ["state-123"]
    assert query["scope"] == ["openid profile w_member_social"]
    assert "code_challenge" not in query


@responses.activate
def test_exchange_code_sends_credentials_in_body_and_parses_token(adapter):
    responses.post(
        "https://www.linkedin.com/oauth/v2/accessToken",
        json={
            "access_token": "AQV-new",
            "expires_in": 5184000,
            "scope": "email,openid,profile,w_member_social",
            "token_type": "Bearer",
            "id_token": "eyJ...",
        },
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": "the-code",
                    "redirect_uri": "https://hub.example/cb/li",
                    "client_id": "li-id",
                    "client_secret": "li-secret",
                }
            )
        ],
    )
    token = adapter.exchange_code("the-code")
    assert token.access_token == "AQV-new"
    assert token.refresh_token is None
    assert token.expires_at is not None
    assert "Authorization" not in responses.calls[0].request.headers


def test_refresh_without_refresh_token_needs_reauth(adapter):
    with pytest.raises(ReauthNeeded):
        adapter.refresh(TOKEN)


@responses.activate
def test_fetch_profile_from_userinfo(adapter):
    responses.get(
        f"{API}/v2/userinfo",
        json={"sub": "782bbtaQ", "name": "Alice Martin", "picture": "https://media.licdn/a.jpg"},
        match=[matchers.header_matcher({"Authorization": "Bearer li-access"})],
    )
    profile = adapter.fetch_profile(TOKEN)
    assert profile.external_id == "782bbtaQ"
    assert profile.name == "Alice Martin"
    assert [a.external_id for a in profile.accounts] == ["782bbtaQ"]


@responses.activate
def test_publish_sends_posts_api_request_and_reads_x_restli_id(adapter):
    responses.post(
        f"{API}/rest/posts",
        status=201,
        headers={"x-restli-id": "urn:li:share:7012345678901234567"},
        match=[
            matchers.header_matcher(
                {
                    "Authorization": "Bearer li-access",
                    "LinkedIn-Version": "202608",
                    "X-Restli-Protocol-Version": "2.0.0",
                    "Content-Type": "application/json",
                }
            )
        ],
    )
    result = adapter.publish(
        TOKEN, "782bbtaQ", "Save (early) #tips", "https://bank.example/a_b", "key-1"
    )
    assert result.post_id == "urn:li:share:7012345678901234567"
    assert result.post_url == (
        "https://www.linkedin.com/feed/update/urn:li:share:7012345678901234567/"
    )
    body = json.loads(responses.calls[0].request.body)
    assert body == {
        "author": "urn:li:person:782bbtaQ",
        "commentary": "Save \\(early\\) \\#tips",
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
        "content": {
            "article": {"source": "https://bank.example/a_b", "title": "https://bank.example/a_b"}
        },
    }


@responses.activate
def test_publish_without_link_has_no_content(adapter):
    responses.post(f"{API}/rest/posts", status=201, headers={"x-restli-id": "urn:li:share:1"})
    adapter.publish(TOKEN, "782bbtaQ", "Hello", None, "key-1")
    assert "content" not in json.loads(responses.calls[0].request.body)


def test_linkedin_version_is_configurable():
    adapter = LinkedInAdapter(NetworkConfig(client_id="a", client_secret="b", api_version="202501"))
    assert adapter._rest_headers()["LinkedIn-Version"] == "202501"


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        (429, {"message": "Too many"}, {"Retry-After": "30"}, NotSent),
        (500, {"message": "Internal"}, {}, OutcomeUnknown),
        (502, {}, {}, OutcomeUnknown),
        (503, {}, {}, OutcomeUnknown),
        (504, {}, {}, OutcomeUnknown),
        (401, {"serviceErrorCode": 65600, "message": "Invalid access token"}, {}, ReauthNeeded),
        (403, {"serviceErrorCode": 65601, "message": "revoked"}, {}, ReauthNeeded),
        (
            422,
            {
                "message": "Unprocessable Entity",
                "status": 422,
                "errorDetails": {
                    "inputErrors": [{"code": "DUPLICATE_POST", "description": "Duplicate post"}]
                },
            },
            {},
            Duplicate,
        ),
        (
            422,
            {"message": "Content is a duplicate of urn:li:share:6844785523593134080"},
            {},
            Duplicate,
        ),
        (422, {"message": "commentary too long"}, {}, PermanentFailure),
        (403, {"message": "Not enough permissions", "status": 403}, {}, PermanentFailure),
        (400, {"message": "bad author"}, {}, PermanentFailure),
        (
            426,
            {"message": "Requested version 20230101 is not active", "status": 426},
            {},
            PermanentFailure,
        ),
    ],
)
@responses.activate
def test_publish_error_classification(adapter, status, body, headers, expected):
    responses.post(f"{API}/rest/posts", status=status, json=body, headers=headers)
    with pytest.raises(expected) as info:
        adapter.publish(TOKEN, "782bbtaQ", "Hello", None, "key-1")
    if expected is NotSent:
        assert info.value.retry_after == 30
    if status == 426:
        assert "LinkedIn-Version" in info.value.message
    if "urn:li:share:6844785523593134080" in json.dumps(body):
        assert info.value.existing_post_id == "urn:li:share:6844785523593134080"


@responses.activate
def test_read_timeout_is_outcome_unknown_and_connect_error_is_not_sent(adapter):
    responses.post(f"{API}/rest/posts", body=requests.ReadTimeout("read timed out"))
    with pytest.raises(OutcomeUnknown):
        adapter.publish(TOKEN, "782bbtaQ", "Hello", None, "key-1")
    responses.replace(responses.POST, f"{API}/rest/posts", body=requests.ConnectTimeout("slow"))
    with pytest.raises(NotSent):
        adapter.publish(TOKEN, "782bbtaQ", "Hello", None, "key-1")


@responses.activate
def test_revoke_posts_token_with_client_credentials(adapter):
    responses.post(
        "https://www.linkedin.com/oauth/v2/revoke",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "client_id": "li-id",
                    "client_secret": "li-secret",
                    "token": "li-access",
                    "token_type_hint": "access_token",
                }
            )
        ],
    )
    assert adapter.revoke(TOKEN) is True


def test_char_limit_and_count():
    adapter = LinkedInAdapter(NetworkConfig())
    assert adapter.char_limit == 3000
    assert adapter.fits("a" * 3000)
    assert not adapter.fits("a" * 3001)


@responses.activate
def test_refresh_with_partner_refresh_token_sends_credentials_in_body(adapter):
    responses.post(
        "https://www.linkedin.com/oauth/v2/accessToken",
        json={
            "access_token": "AQV-2",
            "expires_in": 5184000,
            "refresh_token": "AQX-2",
            "refresh_token_expires_in": 31536000,
        },
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": "AQX-1",
                    "client_id": "li-id",
                    "client_secret": "li-secret",
                }
            )
        ],
    )
    new = adapter.refresh(TokenSet(access_token="AQV-1", refresh_token="AQX-1"))
    assert (new.access_token, new.refresh_token) == ("AQV-2", "AQX-2")


@responses.activate
def test_refresh_refused_needs_reauth(adapter):
    responses.post(
        "https://www.linkedin.com/oauth/v2/accessToken",
        status=400,
        json={"error": "invalid_grant", "error_description": "refresh token expired"},
    )
    with pytest.raises(ReauthNeeded):
        adapter.refresh(TokenSet(access_token="AQV-1", refresh_token="AQX-1"))


# -- images -------------------------------------------------------------------------------

IMAGE = Media.from_bytes(b"\x89PNG\r\n\x1a\n fake image bytes", filename="f00d.png")
INIT_URL = f"{API}/rest/images?action=initializeUpload"
UPLOAD_URL = "https://www.linkedin.com/dms-uploads/sp/D4E10AQ/uploaded-image/0?ca=vector&sync=0"
IMAGE_URN = "urn:li:image:C4E10AQFoyyAjHPMQuQ"
REST_HEADERS = {"LinkedIn-Version": "202608", "X-Restli-Protocol-Version": "2.0.0"}


def initialize_ok(upload_url: str = UPLOAD_URL) -> None:
    responses.post(
        INIT_URL,
        json={"value": {"uploadUrlExpiresAt": 1650567510704, "uploadUrl": upload_url,
                        "image": IMAGE_URN}},
        match=[
            matchers.query_param_matcher({"action": "initializeUpload"}),
            matchers.header_matcher({"Authorization": "Bearer li-access", **REST_HEADERS}),
            matchers.json_params_matcher(
                {"initializeUploadRequest": {"owner": "urn:li:person:782bbtaQ"}}),
        ],
    )


@responses.activate
def test_publish_with_image_initializes_uploads_then_posts_the_image_urn(adapter):
    initialize_ok()
    responses.put(
        UPLOAD_URL,
        status=201,
        match=[matchers.header_matcher(
            {"Authorization": "Bearer li-access", "Content-Type": "image/png"})],
    )
    responses.post(f"{API}/rest/posts", status=201, headers={"x-restli-id": "urn:li:share:9"},
                   match=[matchers.header_matcher(REST_HEADERS)])
    result = adapter.publish(TOKEN, "782bbtaQ", "Save (early)", "https://bank.example/a_b", "k",
                             media=IMAGE)
    assert result.post_id == "urn:li:share:9"
    assert [(c.request.method, c.request.url) for c in responses.calls] == [
        ("POST", INIT_URL), ("PUT", UPLOAD_URL), ("POST", f"{API}/rest/posts")]
    assert responses.calls[1].request.body == IMAGE.data
    body = json.loads(responses.calls[2].request.body)
    # One content per post: the image; the link moves to the end of the commentary.
    assert body["content"] == {"media": {"id": IMAGE_URN}}
    assert body["commentary"] == "Save \\(early\\)\n\nhttps://bank.example/a\\_b"
    assert body["author"] == "urn:li:person:782bbtaQ"


@responses.activate
def test_image_post_does_not_repeat_a_link_already_in_the_text(adapter):
    initialize_ok()
    responses.put(UPLOAD_URL, status=201)
    responses.post(f"{API}/rest/posts", status=201, headers={"x-restli-id": "urn:li:share:9"})
    adapter.publish(TOKEN, "782bbtaQ", "See https://bank.example/r", "https://bank.example/r",
                    "k", media=IMAGE)
    body = json.loads(responses.calls[2].request.body)
    assert body["commentary"] == "See https://bank.example/r"


@responses.activate
def test_the_token_goes_only_to_linkedin_upload_hosts(adapter):
    elsewhere = "https://uploads.example.net/put/abc"
    initialize_ok(elsewhere)
    responses.put(elsewhere, status=201)
    responses.post(f"{API}/rest/posts", status=201, headers={"x-restli-id": "urn:li:share:9"})
    adapter.publish(TOKEN, "782bbtaQ", "Hello", None, "k", media=IMAGE)
    assert "Authorization" not in responses.calls[1].request.headers


@pytest.mark.parametrize(
    ("step", "failure", "expected"),
    [
        ("initialize", {"status": 500, "json": {"message": "Internal"}}, NotSent),
        ("initialize", {"status": 504, "json": {}}, NotSent),
        ("initialize", {"body": requests.ReadTimeout("read timed out")}, NotSent),
        ("initialize", {"status": 429, "json": {}, "headers": {"Retry-After": "30"}}, NotSent),
        ("initialize", {"status": 401, "json": {"serviceErrorCode": 65600}}, ReauthNeeded),
        ("initialize", {"status": 403, "json": {"message": "Not enough permissions"}},
         PermanentFailure),
        ("initialize", {"status": 200, "json": {"value": {}}}, NotSent),
        ("upload", {"status": 500, "json": {}}, NotSent),
        ("upload", {"body": requests.ConnectionError("reset by peer")}, NotSent),
        ("upload", {"status": 400, "json": {"message": "bad image"}}, PermanentFailure),
    ],
)
@responses.activate
def test_an_upload_failure_means_the_post_was_not_sent(adapter, step, failure, expected):
    if step == "initialize":
        responses.post(INIT_URL, **failure)
    else:
        initialize_ok()
        responses.put(UPLOAD_URL, **failure)
    posts = responses.post(f"{API}/rest/posts", status=201,
                           headers={"x-restli-id": "urn:li:share:9"})
    with pytest.raises(expected) as info:
        adapter.publish(TOKEN, "782bbtaQ", "Hello", None, "k", media=IMAGE)
    assert not isinstance(info.value, OutcomeUnknown)
    assert posts.call_count == 0  # the post itself was never attempted
    if failure.get("headers"):
        assert info.value.retry_after == 30


@responses.activate
def test_after_the_upload_the_post_call_keeps_its_classification(adapter):
    initialize_ok()
    responses.put(UPLOAD_URL, status=201)
    responses.post(f"{API}/rest/posts", status=500, json={"message": "Internal"})
    with pytest.raises(OutcomeUnknown):
        adapter.publish(TOKEN, "782bbtaQ", "Hello", None, "k", media=IMAGE)
