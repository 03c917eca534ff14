"""The OpenID Connect relying party, built on Authlib (OAuth2Session, CodeIDToken, joserfc).

Authorization code flow with PKCE (S256), ``state`` and ``nonce``. The provider is found by
discovery (``<issuer>/.well-known/openid-configuration``); its ID tokens are checked against
its JWKS (an unknown ``kid`` fetches the JWKS again once: the provider rotated its keys) and
their ``iss``, ``aud``, ``exp``, ``iat``, ``nonce`` (and ``azp``, ``at_hash``) verified. Nothing
here knows about Flask requests: the views keep the flow's secrets in the session.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from advisor_hub.sso.config import SsoConfig, check_provider_url
from advisor_hub.sso.errors import InsecureProvider, InvalidIdToken, ProviderUnavailable

log = logging.getLogger(__name__)

# Asymmetric signatures only: "none" and HS* (signed with the client secret) are refused.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                      "ES512")
CLOCK_LEEWAY_SECONDS = 60


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


class Provider:
    """One identity provider: discovery and JWKS fetched on first use, then cached."""

    def __init__(self, config: SsoConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    # --- discovery and keys ------------------------------------------------------------

    def _get_json(self, url: str) -> dict[str, Any]:
        if reason := check_provider_url(url):
            log.warning("identity provider refused: %s", reason)
            raise InsecureProvider()
        try:
            response = requests.get(url, timeout=self.config.timeout,
                                    headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            log.warning("identity provider: GET %s failed: %s", url, error)
            raise ProviderUnavailable() from error
        if not isinstance(document, dict):
            raise ProviderUnavailable()
        return document

    def metadata(self) -> dict[str, Any]:
        """The discovery document, checked: it names our issuer, and every endpoint we use
        is https (or http on a loopback address)."""
        with self._lock:
            if self._metadata is not None:
                return self._metadata
        document = self._get_json(f"{self.config.issuer}/.well-known/openid-configuration")
        if str(document.get("issuer", "")).rstrip("/") != self.config.issuer:
            log.warning("identity provider: discovery names issuer %r, expected %r",
                        document.get("issuer"), self.config.issuer)
            raise ProviderUnavailable()
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            url = document.get(key)
            if not isinstance(url, str):
                raise ProviderUnavailable()
            if reason := check_provider_url(url):
                log.warning("identity provider refused: %s: %s", key, reason)
                raise InsecureProvider()
        end_session = document.get("end_session_endpoint")
        if end_session is not None and (not isinstance(end_session, str)
                                        or check_provider_url(end_session)):
            document.pop("end_session_endpoint")
        with self._lock:
            self._metadata = document
        return document

    def _key_set(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            if self._keys is not None and not refresh:
                return self._keys
        document = self._get_json(self.metadata()["jwks_uri"])
        try:
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise ProviderUnavailable() from error
        with self._lock:
            self._keys = keys
        return keys

    def _algorithms(self) -> list[str]:
        offered = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        return [alg for alg in SIGNING_ALGORITHMS if alg in offered]

    # --- the flow ------------------------------------------------------------------------

    def _client(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret or None,
            token_endpoint_auth_method=("client_secret_basic" if self.config.client_secret
                                        else "none"),
            scope=self.config.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )

    def authorization_request(self, redirect_uri: str, **extra: str) -> AuthorizationRequest:
        """Where to send the browser, and the secrets the callback must be checked with."""
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                self.metadata()["authorization_endpoint"], state=state, nonce=nonce,
                code_verifier=verifier, **extra,
            )
        return AuthorizationRequest(url=url, state=state, nonce=nonce, code_verifier=verifier)

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str,
                      ) -> dict[str, Any]:
        """The token response for an authorization code (back channel, with the verifier)."""
        try:
            with self._client(redirect_uri) as client:
                token = client.fetch_token(
                    self.metadata()["token_endpoint"], code=code, code_verifier=code_verifier,
                    grant_type="authorization_code", timeout=self.config.timeout,
                )
        except (requests.RequestException, OAuthError, ValueError, KeyError) as error:
            log.warning("identity provider: token request refused: %s", error)
            raise InvalidIdToken() from error
        if not isinstance(token.get("id_token"), str):
            log.warning("identity provider: token response without an id_token")
            raise InvalidIdToken()
        return dict(token)

    def verify_id_token(self, id_token: str, *, nonce: str,
                        access_token: str | None = None) -> dict[str, Any]:
        """The claims of a genuine ID token meant for us, or InvalidIdToken."""
        algorithms = self._algorithms()
        try:
            try:
                token = jwt.decode(id_token, self._key_set(), algorithms=algorithms)
            except InvalidKeyIdError:
                # A key we have not seen: the provider may have rotated; fetch its keys once.
                token = jwt.decode(id_token, self._key_set(refresh=True), algorithms=algorithms)
            claims = CodeIDToken(
                token.claims, token.header,
                {"iss": {"essential": True, "value": self.config.issuer},
                 "aud": {"essential": True, "value": self.config.client_id},
                 "sub": {"essential": True},
                 "exp": {"essential": True},
                 "nonce": {"essential": True, "value": nonce}},
                {"nonce": nonce, "client_id": self.config.client_id,
                 "access_token": access_token},
            )
            claims.validate(leeway=CLOCK_LEEWAY_SECONDS)
        except (JoseError, ValueError, TypeError, KeyError) as error:
            log.warning("identity provider: ID token refused: %r", error)
            raise InvalidIdToken() from error
        return dict(claims)

    def end_session_url(self, *, post_logout_redirect_uri: str,
                        id_token_hint: str | None = None) -> str | None:
        """The provider's RP-initiated logout URL, if it offers one."""
        try:
            endpoint = self.metadata().get("end_session_endpoint")
        except ProviderUnavailable:
            return None
        if not endpoint:
            return None
        params = {"client_id": self.config.client_id,
                  "post_logout_redirect_uri": post_logout_redirect_uri}
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        return add_params_to_uri(endpoint, params)
