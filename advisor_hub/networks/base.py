"""The one interface every network adapter implements, and the OAuth code they share.

Adapters are stateless apart from their configuration and an HTTP session: every call
takes the token it needs and returns new values. Whoever stores tokens (the linked-accounts
service) saves what ``refresh`` returns; see ``x.py`` for why that save must be atomic.
"""

from __future__ import annotations

import os
import re
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar

import requests
from oauthlib.oauth2.rfc6749 import errors as oauth_errors
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from .comments import CommentPage
from .errors import (
    AuthorizationFailed,
    CommentsUnsupported,
    Duplicate,
    LookupUnsupported,
    NetworkError,
    NotSent,
    OutcomeUnknown,
    PermanentFailure,
    ReauthNeeded,
    classify_transport_error,
    response_json,
)
from .media import Media
from .oauth import (
    PKCE_METHOD,
    code_challenge,
    is_loopback_http,
    loopback_http_allowed,
    map_oauth_error,
)
from .tokens import Profile, PublishResult, TokenSet

# One URL pattern for every network: scheme URLs and www. hosts, stopping at whitespace and
# quotes; trailing sentence punctuation is not part of the URL.
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?)]}'\""


def find_urls(text: str) -> list[str]:
    return [m.group(0).rstrip(_TRAILING_PUNCTUATION) for m in URL_RE.finditer(text)]


def replace_urls(text: str, replacement: str) -> str:
    def sub(match: re.Match[str]) -> str:
        url = match.group(0)
        stripped = url.rstrip(_TRAILING_PUNCTUATION)
        return replacement + url[len(stripped) :]

    return URL_RE.sub(sub, text)


def utf16_length(text: str) -> int:
    """Length as JavaScript-based counters see it (emoji outside the BMP count 2)."""
    return len(text.encode("utf-16-le")) // 2


def text_with_link(text: str, link_url: str | None) -> str:
    """The link at the end of the text, unless it is there already."""
    if link_url and link_url not in text:
        return f"{text}\n\n{link_url}" if text else link_url
    return text


def http_session() -> requests.Session:
    """A ``requests`` session for calls made in bulk (the dispatcher's threads).

    With ``trust_env`` on, requests re-reads the whole environment for proxies (and looks
    for a .netrc) on every request: a tenth of a dispatcher's CPU. When no proxy is
    configured, the one other setting it takes from the environment, the CA bundle, is read
    here once instead. Tokens are always sent explicitly, so a .netrc never applies. With a
    proxy configured, requests keeps its own handling (``no_proxy`` included).
    """
    http = requests.Session()
    if not urllib.request.getproxies():
        http.trust_env = False
        http.verify = (os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
                       or True)
    return http


@dataclass(frozen=True)
class NetworkConfig:
    """Where a network lives and the app's credentials for it.

    Fields left ``None`` take the adapter's defaults, which are the real network's URLs; set
    them to point an adapter at a stand-in server (the Sandbox, a recording proxy).
    """

    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    redirect_uri: str | None = None
    auth_url: str | None = None
    token_url: str | None = None
    api_base: str | None = None
    revoke_url: str | None = None
    scopes: tuple[str, ...] | None = None
    api_version: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def has_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def merged_over(self, defaults: NetworkConfig) -> NetworkConfig:
        """This config with every ``None`` field taken from ``defaults``."""
        changes = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "extra":
                changes["extra"] = {**defaults.extra, **value}
            elif value is None:
                changes[f.name] = getattr(defaults, f.name)
        return replace(self, **changes)


class NetworkAdapter(ABC):
    """One social network: OAuth linking, profile, publish, reconcile, revoke."""

    name: ClassVar[str]
    label: ClassVar[str]
    char_limit: ClassVar[int]
    uses_pkce: ClassVar[bool] = False
    supports_refresh: ClassVar[bool] = True
    supports_lookup: ClassVar[bool] = False
    supports_revoke: ClassVar[bool] = False
    # The network refuses a second post with the same idempotency key (or the same text) and
    # says so (``Duplicate``): what makes a reconcile resend safe. Settings may turn it off
    # (``<NETWORK>_REJECTS_DUPLICATES=false``, e.g. a Sandbox told to accept duplicates).
    rejects_duplicates_by_default: ClassVar[bool] = False
    # Comments on the app's posts: read them and answer one (``list_comments``, ``reply``),
    # hide one from the public (``hide_comment``).
    supports_comments: ClassVar[bool] = False
    supports_hide: ClassVar[bool] = False
    # How the token endpoint wants the app's credentials: HTTP Basic or in the form body.
    token_auth: ClassVar[str] = "basic"
    defaults: ClassVar[NetworkConfig]

    def __init__(self, config: NetworkConfig, session: requests.Session | None = None) -> None:
        self.config = config.merged_over(self.defaults)
        self.http = session or requests.Session()

    # -- text ---------------------------------------------------------------------------

    def render_text(self, text: str, link_url: str | None = None, *,
                    with_media: bool = False) -> str:
        """The text as the network will count it (networks that attach links keep it)."""
        return text

    def count_chars(self, text: str) -> int:
        return utf16_length(text)

    def fits(self, text: str, link_url: str | None = None, *, with_media: bool = False) -> bool:
        rendered = self.render_text(text, link_url, with_media=with_media)
        return self.count_chars(rendered) <= self.char_limit

    # -- OAuth ----------------------------------------------------------------------------

    @property
    def rejects_duplicates(self) -> bool:
        value = self.config.extra.get("rejects_duplicates")
        if value is None:
            return self.rejects_duplicates_by_default
        return str(value).lower() not in ("false", "0", "no", "off", "")

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.config.connect_timeout, self.config.read_timeout)

    @property
    def _loopback(self) -> bool:
        urls = [
            self.config.auth_url,
            self.config.token_url,
            self.config.redirect_uri,
            self.config.revoke_url,
        ]
        http_urls = [u for u in urls if u and u.startswith("http://")]
        return bool(http_urls) and all(is_loopback_http(u) for u in http_urls)

    def _require_credentials(self) -> None:
        if not self.config.has_credentials:
            raise PermanentFailure(f"{self.label} is not configured (no client id/secret)")

    def _oauth_session(self, *, scope: bool = False, state: str | None = None) -> OAuth2Session:
        session = OAuth2Session(
            self.config.client_id,
            redirect_uri=self.config.redirect_uri,
            scope=list(self.config.scopes or ()) if scope else None,
            state=state,
        )
        session.register_compliance_hook("access_token_response", self._check_token_response)
        session.register_compliance_hook("refresh_token_response", self._check_token_response)
        return session

    def authorization_params(self) -> dict[str, str]:
        """Extra query parameters for the authorization URL."""
        return {}

    def authorization_url(self, state: str, code_verifier: str | None = None) -> str:
        """Where to send the advisor to grant access. Keep ``state`` (and the verifier)."""
        self._require_credentials()
        if self.uses_pkce and not code_verifier:
            raise ValueError(f"{self.label} requires PKCE: pass a code_verifier")
        params = dict(self.authorization_params())
        if code_verifier:
            params["code_challenge"] = code_challenge(code_verifier)
            params["code_challenge_method"] = PKCE_METHOD
        with loopback_http_allowed(self._loopback):
            url, _ = self._oauth_session(scope=True).authorization_url(
                self.config.auth_url, state=state, **params
            )
        return url

    def exchange_code(self, code: str, code_verifier: str | None = None) -> TokenSet:
        """Trade the authorization code from the callback for tokens."""
        return self._fetch_token(code=code, code_verifier=code_verifier)

    def complete_authorization(
        self, authorization_response: str, state: str, code_verifier: str | None = None
    ) -> TokenSet:
        """Like ``exchange_code`` but from the full callback URL: oauthlib checks ``state``
        and turns ``error=access_denied`` into ``AuthorizationFailed``."""
        return self._fetch_token(
            authorization_response=authorization_response,
            state=state,
            code_verifier=code_verifier,
        )

    def _fetch_token(
        self,
        *,
        code: str | None = None,
        authorization_response: str | None = None,
        state: str | None = None,
        code_verifier: str | None = None,
    ) -> TokenSet:
        self._require_credentials()
        if self.uses_pkce and not code_verifier:
            raise ValueError(f"{self.label} requires PKCE: pass the code_verifier")
        kwargs: dict[str, Any] = {}
        if code_verifier:
            kwargs["code_verifier"] = code_verifier
        session = self._oauth_session(state=state)
        try:
            with loopback_http_allowed(self._loopback):
                token = session.fetch_token(
                    self.config.token_url,
                    code=code,
                    authorization_response=authorization_response,
                    client_secret=self.config.client_secret,
                    include_client_id=self.token_auth == "body",
                    timeout=self.timeout,
                    **kwargs,
                )
        except requests.RequestException as exc:
            raise classify_transport_error(exc) from exc
        except oauth_errors.OAuth2Error as exc:
            raise map_oauth_error(exc, refreshing=False) from exc
        except (PermanentFailure, ReauthNeeded) as exc:
            raise AuthorizationFailed(exc.message, status=exc.status) from exc
        return self._token_from_response(token)

    def _token_from_response(self, token: dict[str, Any]) -> TokenSet:
        if not token.get("access_token"):
            raise AuthorizationFailed(f"{self.label} answered without an access token")
        return TokenSet.from_oauth(token)

    def refresh(self, token: TokenSet) -> TokenSet:
        """A new TokenSet from the refresh token. Save it before using it (it may rotate)."""
        self._require_credentials()
        if not self.supports_refresh or not token.refresh_token:
            raise ReauthNeeded(f"{self.label} token cannot be refreshed; relink the account")
        kwargs: dict[str, Any] = {}
        auth = None
        if self.token_auth == "body":
            kwargs = {
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
            }
        else:
            auth = HTTPBasicAuth(self.config.client_id, self.config.client_secret)
        session = self._oauth_session()
        try:
            with loopback_http_allowed(self._loopback):
                new = session.refresh_token(
                    self.config.token_url,
                    refresh_token=token.refresh_token,
                    auth=auth,
                    timeout=self.timeout,
                    **kwargs,
                )
        except requests.RequestException as exc:
            raise classify_transport_error(exc) from exc
        except oauth_errors.OAuth2Error as exc:
            raise map_oauth_error(exc, refreshing=True) from exc
        return self._token_from_response(new)

    def _check_token_response(self, response: requests.Response) -> requests.Response:
        """Compliance hook: classify answers oauthlib cannot parse as an OAuth error."""
        if response.status_code == 429 or response.status_code >= 500:
            raise self.classify_response(response)
        if response.status_code >= 400 and not isinstance(
            response_json(response).get("error"), str
        ):
            raise self.classify_response(response)
        return response

    def revoke(self, token: TokenSet, grantor_id: str | None = None) -> bool:
        """Ask the network to forget the grant; False when the network cannot.

        ``grantor_id`` is the account's ``Account.grantor_id``: networks whose grant belongs
        to a user rather than to the account (Facebook Pages) revoke by that user.
        """
        return False

    def _revoke_rfc7009(self, token: TokenSet) -> bool:
        """RFC 7009 revocation of the refresh token (or access token) at ``revoke_url``."""
        self._require_credentials()
        value, hint = (
            (token.refresh_token, "refresh_token")
            if token.refresh_token
            else (token.access_token, "access_token")
        )
        data = {"token": value, "token_type_hint": hint}
        auth = None
        if self.token_auth == "body":
            data.update(client_id=self.config.client_id, client_secret=self.config.client_secret)
        else:
            auth = HTTPBasicAuth(self.config.client_id, self.config.client_secret)
            data["client_id"] = self.config.client_id
        try:
            response = self.http.post(
                self.config.revoke_url, data=data, auth=auth, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise classify_transport_error(exc) from exc
        if response.status_code >= 400:
            raise self.classify_response(response)
        return True

    # -- API ------------------------------------------------------------------------------

    @abstractmethod
    def fetch_profile(self, token: TokenSet) -> Profile:
        """The authorising member and the accounts the app may publish to."""

    @abstractmethod
    def publish(
        self,
        token: TokenSet,
        account_external_id: str,
        text: str,
        link_url: str | None,
        idempotency_key: str,
        *,
        media: Media | None = None,
    ) -> PublishResult:
        """Publish once, with ``media`` (one image) when given.

        Raises a ``NetworkError`` subclass saying what is known. A failed media upload before
        the post is created is never ``OutcomeUnknown`` (see ``_upload``).
        """

    def lookup(
        self, token: TokenSet, account_external_id: str, idempotency_key: str, text: str
    ) -> PublishResult | None:
        """Find a post sent earlier with this key (after ``OutcomeUnknown``); None if absent."""
        raise LookupUnsupported(f"{self.label} has no way to look a post up")

    def list_comments(self, token: TokenSet, post_id: str, *,
                      since: str | None = None) -> CommentPage:
        """Comments and replies on the post ``post_id`` newer than the cursor ``since``."""
        raise CommentsUnsupported(f"{self.label}: the app cannot read comments")

    def reply(self, token: TokenSet, account_external_id: str, post_id: str,
              comment_id: str, text: str) -> str:
        """Answer the comment ``comment_id`` as the account; the reply's network id."""
        raise CommentsUnsupported(f"{self.label}: the app cannot answer comments")

    def hide_comment(self, token: TokenSet, comment_id: str, *, hidden: bool = True) -> None:
        """Hide the comment from everyone but its author (or show it again)."""
        raise CommentsUnsupported(f"{self.label}: the app cannot hide comments")

    @abstractmethod
    def classify_response(self, response: requests.Response) -> NetworkError:
        """The error an unsuccessful HTTP answer from this network means."""

    def _api(
        self,
        method: str,
        url: str,
        token: TokenSet | None,
        *,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token.access_token}"
        try:
            response = self.http.request(
                method, url, headers=all_headers, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise classify_transport_error(exc) from exc
        if response.status_code >= 400:
            raise self.classify_response(response)
        return response

    def _upload(
        self,
        method: str,
        url: str,
        token: TokenSet | None,
        *,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """``_api`` for a media upload made before the call that creates the post.

        No post exists until that final call, so whatever happens to an upload the post was
        not sent: an unreadable answer (5xx, read timeout, dropped connection) leaves at worst
        an orphan image on the network, never a published post, and retrying is safe. So
        ``OutcomeUnknown`` becomes ``NotSent`` here; re-auth and permanent refusals keep their
        class (a retry will not fix them), and a "duplicate" answer cannot mean the post
        exists, so it is a refusal too.
        """
        try:
            return self._api(method, url, token, headers=headers, **kwargs)
        except OutcomeUnknown as exc:
            raise NotSent(
                f"{self.label}: media upload failed, post not sent ({exc.message})",
                status=exc.status,
            ) from exc
        except Duplicate as exc:
            raise PermanentFailure(
                f"{self.label}: media upload refused ({exc.message})", status=exc.status
            ) from exc

    def _url(self, path: str) -> str:
        return self.config.api_base.rstrip("/") + "/" + path.lstrip("/")
