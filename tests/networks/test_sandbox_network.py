"""The Sandbox over real HTTP, driven through SandboxAdapter and requests-oauthlib."""

import socket
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

from advisor_hub.networks import (
    AuthorizationFailed,
    Duplicate,
    Media,
    NotSent,
    OutcomeUnknown,
    PermanentFailure,
    ReauthNeeded,
    SandboxAdapter,
    TokenSet,
    new_code_verifier,
    new_state,
    sandbox_config,
)
from advisor_hub.sandbox import SandboxServer, create_sandbox_app

CALLBACK = "http://127.0.0.1:9/accounts/callback/sandbox"


@pytest.fixture
def sandbox():
    with SandboxServer({"ENABLE_CONTROL": True}) as server:
        yield server


def make_adapter(base_url: str, **kwargs) -> SandboxAdapter:
    kwargs.setdefault("read_timeout", 2.0)
    return SandboxAdapter(sandbox_config(base_url, redirect_uri=CALLBACK, **kwargs))


@pytest.fixture
def adapter(sandbox) -> SandboxAdapter:
    return make_adapter(sandbox.url)


def authorize(adapter: SandboxAdapter, login: str = "alice") -> tuple[str, str, str]:
    """Follow the authorize URL with auto-approval; return (callback URL, state, verifier)."""
    state, verifier = new_state(), new_code_verifier()
    url = adapter.authorization_url(state, verifier)
    response = requests.get(f"{url}&auto=1&login={login}", allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    return response.headers["Location"], state, verifier


def link(adapter: SandboxAdapter, login: str = "alice") -> TokenSet:
    callback, state, verifier = authorize(adapter, login)
    return adapter.complete_authorization(callback, state, verifier)


# -- OAuth ------------------------------------------------------------------------------


def test_authorization_code_flow_with_pkce_and_state(adapter):
    callback, state, verifier = authorize(adapter, "alice")
    query = parse_qs(urlsplit(callback).query)
    assert callback.startswith(CALLBACK)
    assert query["state"] == [state]
    token = adapter.complete_authorization(callback, state, verifier)
    assert token.access_token.startswith("sbx_at_")
    assert token.refresh_token.startswith("sbx_rt_")
    assert not token.needs_refresh()
    profile = adapter.fetch_profile(token)
    assert (profile.external_id, profile.name) == ("sbx-alice", "Alice Martin")
    assert profile.accounts[0].external_id == "sbx-alice"
    assert requests.get(profile.picture_url, timeout=5).status_code == 200


def test_exchange_code_with_bare_code(adapter):
    callback, _, verifier = authorize(adapter, "new.advisor")
    code = parse_qs(urlsplit(callback).query)["code"][0]
    token = adapter.exchange_code(code, verifier)
    assert adapter.fetch_profile(token).external_id == "sbx-new.advisor"


def test_state_mismatch_is_refused(adapter):
    callback, _, verifier = authorize(adapter)
    with pytest.raises(AuthorizationFailed, match="state"):
        adapter.complete_authorization(callback, "another-state", verifier)


def test_wrong_verifier_and_reused_code_are_refused(adapter):
    callback, state, verifier = authorize(adapter)
    with pytest.raises(AuthorizationFailed):
        adapter.complete_authorization(callback, state, new_code_verifier())
    # The code was spent by the failed attempt.
    with pytest.raises(AuthorizationFailed):
        adapter.complete_authorization(callback, state, verifier)


def test_wrong_client_secret_is_permanent(sandbox):
    adapter = make_adapter(sandbox.url, client_secret="wrong")
    callback, state, verifier = authorize(adapter)
    with pytest.raises(PermanentFailure):
        adapter.complete_authorization(callback, state, verifier)


def test_consent_page_lists_profiles_and_deny_redirects_with_error(adapter):
    state, verifier = new_state(), new_code_verifier()
    url = adapter.authorization_url(state, verifier)
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    assert "Alice Martin" in page.text and "Authorize" in page.text
    assert '<form method="post"' in page.text and "&lt;form" not in page.text  # a real form
    form = dict(parse_qs(urlsplit(url).query, keep_blank_values=True))
    form = {k: v[0] for k, v in form.items()}
    denied = requests.post(
        adapter.config.auth_url,
        data={**form, "login": "bruno", "decision": "deny"},
        allow_redirects=False,
        timeout=5,
    )
    assert denied.status_code == 302
    with pytest.raises(AuthorizationFailed, match="did not authorise"):
        adapter.complete_authorization(denied.headers["Location"], state, verifier)
    approved = requests.post(
        adapter.config.auth_url,
        data={**form, "login": "bruno", "decision": "approve"},
        allow_redirects=False,
        timeout=5,
    )
    token = adapter.complete_authorization(approved.headers["Location"], state, verifier)
    assert adapter.fetch_profile(token).name == "Bruno Dubois"


def test_unregistered_redirect_uri_is_refused(adapter):
    url = adapter.authorization_url(new_state(), new_code_verifier())
    evil = url.replace("127.0.0.1%3A9", "evil.example")
    response = requests.get(evil + "&auto=1", allow_redirects=False, timeout=5)
    assert response.status_code == 400


def test_refresh_rotates_and_old_refresh_token_is_refused(adapter):
    token = link(adapter)
    new = adapter.refresh(token)
    assert new.refresh_token != token.refresh_token
    assert new.access_token != token.access_token
    assert adapter.fetch_profile(new).external_id == "sbx-alice"
    with pytest.raises(ReauthNeeded):
        adapter.refresh(token)
    assert adapter.refresh(new).refresh_token not in (new.refresh_token, token.refresh_token)


def test_expired_access_token_needs_refresh_then_works():
    with SandboxServer({"ACCESS_TOKEN_TTL": 1}) as server:
        adapter = make_adapter(server.url)
        token = link(adapter)
        assert token.needs_refresh()  # expires within the 5-minute margin
        time.sleep(1.2)
        with pytest.raises(ReauthNeeded):
            adapter.fetch_profile(token)
        assert adapter.fetch_profile(adapter.refresh(token)).external_id == "sbx-alice"


def test_revoke_ends_the_grant(adapter):
    token = link(adapter)
    assert adapter.revoke(token) is True
    with pytest.raises(ReauthNeeded):
        adapter.fetch_profile(token)
    with pytest.raises(ReauthNeeded):
        adapter.refresh(token)


# -- posts ------------------------------------------------------------------------------


def test_publish_duplicate_and_lookup(adapter, sandbox):
    token = link(adapter)
    result = adapter.publish(token, "sbx-alice", "Hello (world)", "https://bank.example", "k-1")
    assert result.post_id.startswith("post-")
    page = requests.get(result.post_url, timeout=5)
    assert page.status_code == 200 and "Hello (world)" in page.text

    with pytest.raises(Duplicate) as same_key:
        adapter.publish(token, "sbx-alice", "Other text", None, "k-1")
    assert same_key.value.existing_post_id == result.post_id
    with pytest.raises(Duplicate) as same_text:
        adapter.publish(token, "sbx-alice", "Hello (world)", "https://bank.example", "k-2")
    assert same_text.value.existing_post_id == result.post_id

    assert adapter.lookup(token, "sbx-alice", "k-1", "Hello (world)") == result
    assert adapter.lookup(token, "sbx-alice", "k-unknown", "x") is None
    stats = sandbox.state.stats()
    assert stats["posts_per_key"] == {"k-1": 1}
    assert stats["duplicates_rejected"] == 2
    account_page = requests.get(f"{sandbox.url}/accounts/sbx-alice", timeout=5)
    assert "Hello (world)" in account_page.text


def test_publish_for_another_account_is_refused(adapter):
    token = link(adapter)
    with pytest.raises(PermanentFailure):
        adapter.publish(token, "sbx-bruno", "Hi", None, "k")


def test_concurrent_sends_with_one_key_create_one_post(adapter, sandbox):
    token = link(adapter)
    sandbox.state.post_latency = 0.05
    outcomes: list[str] = []

    def send():
        try:
            adapter.publish(token, "sbx-alice", "Once only", None, "same-key")
            outcomes.append("created")
        except Duplicate:
            outcomes.append("duplicate")

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created"] + ["duplicate"] * 7
    assert sandbox.state.stats()["posts_per_key"] == {"same-key": 1}


def test_publish_with_an_image_stores_its_hash_and_size(adapter, sandbox):
    token = link(adapter)
    image = Media.from_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, filename="a1.png")
    result = adapter.publish(token, "sbx-alice", "With a picture", None, "k-img", media=image)
    post = sandbox.state.get_post(result.post_id)
    assert (post.image_sha256, post.image_size) == (image.sha256, image.size)
    # Lookups (the reconcile path) see the image too.
    assert sandbox.state.find_posts("sbx-alice", "k-img")[0].as_dict()["image_sha256"] == (
        image.sha256)
    account_page = requests.get(f"{sandbox.url}/accounts/sbx-alice", timeout=5).text
    assert f"image: {image.sha256[:12]}" in account_page
    assert f"({image.size} bytes)" in account_page
    # The same text with the same image is a duplicate; without the image it is another post.
    with pytest.raises(Duplicate):
        adapter.publish(token, "sbx-alice", "With a picture", None, "k-img-2", media=image)
    plain = adapter.publish(token, "sbx-alice", "With a picture", None, "k-img-3")
    assert sandbox.state.get_post(plain.post_id).image_sha256 is None


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ({"data": "%%%", "mime_type": "image/png"}, "base64"),
        ({"data": "aGVsbG8=", "mime_type": "text/html"}, "mime_type"),
        ({"data": "aGVsbG8=", "mime_type": "image/png", "sha256": "0" * 64}, "sha256"),
        ({"data": "", "mime_type": "image/png"}, "empty"),
        ("not an object", "object"),
    ],
)
def test_a_bad_image_is_refused_and_nothing_is_posted(adapter, sandbox, image, message):
    token = link(adapter)
    response = requests.post(
        f"{sandbox.url}/api/posts",
        json={"account_id": "sbx-alice", "text": "Hi", "image": image},
        headers={"Authorization": f"Bearer {token.access_token}"},
        timeout=5,
    )
    assert response.status_code == 422 and message in response.json()["error_description"]
    assert sandbox.state.stats()["posts"] == 0


def test_an_image_over_the_size_limit_is_a_permanent_failure():
    with SandboxServer({"MAX_IMAGE_BYTES": 100}) as server:
        adapter = make_adapter(server.url)
        token = link(adapter)
        with pytest.raises(PermanentFailure, match="larger than 100 bytes"):
            adapter.publish(token, "sbx-alice", "Big", None, "k",
                            media=Media.from_bytes(b"x" * 101, filename="big.png"))


# -- faults -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "expected", "created"),
    [
        ({"kind": "error", "status": 500}, OutcomeUnknown, False),
        ({"kind": "error", "status": 502}, OutcomeUnknown, False),
        ({"kind": "error", "status": 504}, OutcomeUnknown, False),
        ({"kind": "error", "status": 503, "retry_after": 4}, NotSent, False),
        ({"kind": "rate_limit", "retry_after": 7}, NotSent, False),
        ({"kind": "rate_limit", "retry_after": 30, "http_date": True}, NotSent, False),
        ({"kind": "accept_then_error", "status": 500}, OutcomeUnknown, True),
        ({"kind": "unauthorized"}, ReauthNeeded, False),
    ],
)
def test_publish_faults_are_classified(adapter, sandbox, fault, expected, created):
    token = link(adapter)
    response = requests.post(
        f"{sandbox.url}/_control/faults", json={"endpoint": "publish", **fault}, timeout=5
    )
    assert response.status_code == 200, response.text
    with pytest.raises(expected) as info:
        adapter.publish(token, "sbx-alice", "Faulty", None, "k-fault")
    if "retry_after" in fault:
        assert 0 < info.value.retry_after <= fault["retry_after"]
    found = adapter.lookup(token, "sbx-alice", "k-fault", "Faulty")
    assert (found is not None) is created
    if created:
        # The reconcile path: a resend is refused as a duplicate of the post that exists.
        with pytest.raises(Duplicate) as dup:
            adapter.publish(token, "sbx-alice", "Faulty", None, "k-fault")
        assert dup.value.existing_post_id == found.post_id
    else:
        assert adapter.publish(token, "sbx-alice", "Faulty", None, "k-fault").post_id


def test_delay_causes_read_timeout_then_lookup_finds_the_post(sandbox):
    adapter = make_adapter(sandbox.url, read_timeout=0.3)
    token = link(adapter)
    sandbox.state.add_fault("publish", "delay", seconds=0.8)
    with pytest.raises(OutcomeUnknown):
        adapter.publish(token, "sbx-alice", "Slow", None, "k-slow")
    deadline = time.monotonic() + 5
    found = None
    while found is None and time.monotonic() < deadline:
        time.sleep(0.1)
        found = adapter.lookup(token, "sbx-alice", "k-slow", "Slow")
    assert found is not None
    assert sandbox.state.stats()["posts_per_key"] == {"k-slow": 1}


def test_refused_refresh_fault(adapter, sandbox):
    token = link(adapter)
    sandbox.state.add_fault("token", "invalid_grant")
    with pytest.raises(ReauthNeeded):
        adapter.refresh(token)


def test_token_endpoint_rate_limit_is_not_sent(adapter, sandbox):
    token = link(adapter)
    sandbox.state.add_fault("token", "rate_limit", retry_after=3)
    with pytest.raises(NotSent) as info:
        adapter.refresh(token)
    assert info.value.retry_after == 3
    assert adapter.refresh(token).access_token  # the refresh token was not spent


def test_fault_applies_to_the_next_n_requests_only(adapter, sandbox):
    token = link(adapter)
    sandbox.state.add_fault("me", "error", count=2, status=502)
    for _ in range(2):
        with pytest.raises(OutcomeUnknown):
            adapter.fetch_profile(token)
    assert adapter.fetch_profile(token).external_id == "sbx-alice"


def test_connection_refused_is_not_sent():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    adapter = make_adapter(f"http://127.0.0.1:{port}")
    with pytest.raises(NotSent):
        adapter.publish(TokenSet(access_token="t"), "sbx-alice", "x", None, "k")


def test_control_endpoints_are_off_by_default():
    with SandboxServer() as server:
        assert requests.get(f"{server.url}/_control/stats", timeout=5).status_code == 404
        response = requests.post(
            f"{server.url}/_control/faults",
            json={"endpoint": "publish", "kind": "unauthorized"},
            timeout=5,
        )
        assert response.status_code == 404


def test_bad_fault_request_is_rejected(sandbox):
    response = requests.post(
        f"{sandbox.url}/_control/faults", json={"endpoint": "publish", "kind": "explode"}, timeout=5
    )
    assert response.status_code == 400


# -- mounted under /sandbox -------------------------------------------------------------


def test_mounted_under_a_prefix_with_dispatcher_middleware():
    host_app = Flask("host")
    host_app.wsgi_app = DispatcherMiddleware(host_app.wsgi_app, {"/sandbox": create_sandbox_app()})
    server = make_server("127.0.0.1", 0, host_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        adapter = make_adapter(f"http://127.0.0.1:{server.port}/sandbox")
        token = link(adapter, "chloe")
        result = adapter.publish(token, "sbx-chloe", "Mounted", None, "k-m")
        assert f"127.0.0.1:{server.port}/sandbox/posts/" in result.post_url
        assert requests.get(result.post_url, timeout=5).status_code == 200
    finally:
        server.shutdown()
        server.server_close()
