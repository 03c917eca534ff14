import inspect
from datetime import UTC, datetime, timedelta

import pytest
import requests
import time_machine

from advisor_hub.networks import (
    ADAPTERS,
    LinkedInAdapter,
    LookupUnsupported,
    Media,
    NetworkAdapter,
    NetworkConfig,
    NotSent,
    OutcomeUnknown,
    TokenSet,
    UnknownNetwork,
    available_networks,
    build_adapter,
    configs_from_settings,
    find_urls,
)
from advisor_hub.networks.errors import classify_transport_error, parse_retry_after
from advisor_hub.networks.oauth import loopback_http_allowed

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_needs_refresh_uses_a_five_minute_margin():
    token = TokenSet(access_token="a", expires_at=NOW + timedelta(minutes=6))
    assert not token.needs_refresh()
    assert token.needs_refresh(NOW + timedelta(minutes=1, seconds=1))
    assert token.needs_refresh(NOW, margin=timedelta(minutes=10))
    assert not TokenSet(access_token="a").needs_refresh()


def test_token_set_rejects_naive_expiry_and_hides_secrets_in_repr():
    with pytest.raises(ValueError):
        TokenSet(access_token="a", expires_at=datetime(2030, 1, 1))
    text = repr(TokenSet(access_token="secret-a", refresh_token="secret-r"))
    assert "secret" not in text


@time_machine.travel(NOW, tick=False)
def test_token_set_from_oauth_dicts():
    token = TokenSet.from_oauth(
        {"access_token": "a", "expires_in": 3600, "scope": ["x", "y"], "token_type": "Bearer"}
    )
    assert token.expires_at == NOW + timedelta(hours=1)
    assert token.scope == "x y"
    assert token.refresh_token is None
    assert TokenSet.from_dict(token.to_dict()) == token


def test_config_defaults_are_the_real_urls_and_can_be_overridden():
    adapter = LinkedInAdapter(NetworkConfig(client_id="i", client_secret="s"))
    assert adapter.config.api_base == "https://api.linkedin.com"
    assert adapter.config.token_url == "https://www.linkedin.com/oauth/v2/accessToken"
    pointed = LinkedInAdapter(NetworkConfig(api_base="http://127.0.0.1:8080"))
    assert pointed.config.api_base == "http://127.0.0.1:8080"
    assert pointed.config.auth_url == "https://www.linkedin.com/oauth/v2/authorization"


def test_factory_and_availability():
    configs = configs_from_settings(
        {"LINKEDIN_CLIENT_ID": "li", "LINKEDIN_CLIENT_SECRET": "sec", "X_CLIENT_ID": "only-id"},
        redirect_uri=lambda name: f"https://hub.example/cb/{name}",
    )
    # The Sandbox only when mounted or configured (SANDBOX_API_BASE): never by default.
    assert available_networks(configs) == ["linkedin"]
    assert available_networks(configs_from_settings(
        {"SANDBOX_API_BASE": "http://sandbox.internal/sandbox"},
        redirect_uri=lambda name: f"https://hub.example/cb/{name}")) == ["sandbox"]
    assert configs["linkedin"].redirect_uri == "https://hub.example/cb/linkedin"
    for name in ADAPTERS:
        adapter = build_adapter(name, configs[name])
        assert adapter.name == name
        assert adapter.char_limit > 0
    assert build_adapter("facebook", configs["facebook"]).char_limit == 63206
    assert build_adapter("x", configs["x"]).char_limit == 280
    with pytest.raises(UnknownNetwork):
        build_adapter("myspace", NetworkConfig())


def test_lookup_unsupported_on_real_networks():
    for name in ("linkedin", "facebook", "x"):
        adapter = build_adapter(name, NetworkConfig(client_id="i", client_secret="s"))
        with pytest.raises(LookupUnsupported):
            adapter.lookup(TokenSet(access_token="a"), "1", "k", "t")


def test_find_urls_strips_trailing_punctuation():
    assert find_urls("See https://a.example/x?y=1. Or (www.b.example/z), ok") == [
        "https://a.example/x?y=1",
        "www.b.example/z",
    ]


def test_parse_retry_after():
    assert parse_retry_after("120") == 120
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    now = datetime(2015, 10, 21, 7, 28, tzinfo=UTC).timestamp()
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=now) == 30
    assert parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now=now) == 0


def test_transport_errors_from_real_sockets():
    # Nothing listens on port 9 of the loopback: connection refused before anything is sent.
    with pytest.raises(requests.ConnectionError) as refused:
        requests.post("http://127.0.0.1:9/", timeout=(1, 1))
    assert isinstance(classify_transport_error(refused.value), NotSent)
    assert isinstance(classify_transport_error(requests.ReadTimeout("late")), OutcomeUnknown)
    assert isinstance(classify_transport_error(requests.ConnectTimeout("slow")), NotSent)


def test_loopback_http_allowance_is_scoped(monkeypatch):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    import os

    with loopback_http_allowed(True):
        assert os.environ.get("OAUTHLIB_INSECURE_TRANSPORT") == "1"
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
    with loopback_http_allowed(False):
        assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ


def test_real_networks_never_allow_plain_http():
    adapter = build_adapter(
        "linkedin",
        NetworkConfig(client_id="i", client_secret="s", redirect_uri="http://evil.example/cb"),
    )
    assert adapter._loopback is False


def test_media_checks_its_hash_and_guesses_the_type():
    media = Media.from_bytes(b"\x89PNG not really", filename="abc.png")
    assert media.mime_type == "image/png" and media.size == len(b"\x89PNG not really")
    assert Media.from_bytes(b"x", filename="a.jpg").mime_type == "image/jpeg"
    assert Media.from_bytes(b"x", filename="a.webp").mime_type == "image/webp"
    assert "PNG" not in repr(media)  # the bytes stay out of logs
    with pytest.raises(ValueError, match="sha256"):
        Media(data=b"other bytes", mime_type="image/png", sha256=media.sha256, filename="a.png")


def test_every_adapter_publish_takes_media_by_keyword():
    for cls in (NetworkAdapter, *ADAPTERS.values()):
        parameters = inspect.signature(cls.publish).parameters
        assert list(parameters)[:6] == [
            "self", "token", "account_external_id", "text", "link_url", "idempotency_key"]
        assert parameters["media"].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters["media"].default is None
