"""OAuth plumbing shared by the adapters: PKCE, loopback http, oauthlib error mapping."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from oauthlib.common import generate_token
from oauthlib.oauth2 import WebApplicationClient
from oauthlib.oauth2.rfc6749 import errors as oauth_errors

from .errors import AuthorizationFailed, NetworkError, PermanentFailure, ReauthNeeded

PKCE_METHOD = "S256"
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def new_state() -> str:
    """A fresh OAuth ``state`` value (store it in the user's session before redirecting)."""
    return generate_token(32)


def new_code_verifier() -> str:
    """A fresh PKCE code verifier (RFC 7636: 43 to 128 characters), made by oauthlib."""
    return WebApplicationClient(None).create_code_verifier(64)


def code_challenge(code_verifier: str) -> str:
    """The S256 challenge for ``code_verifier``, made by oauthlib."""
    return WebApplicationClient(None).create_code_challenge(code_verifier, PKCE_METHOD)


def is_loopback_http(url: str | None) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    return parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK_HOSTS


_insecure_lock = threading.Lock()
_insecure_depth = 0


@contextmanager
def loopback_http_allowed(enabled: bool) -> Iterator[None]:
    """Let oauthlib talk plain http for the duration of a call.

    oauthlib refuses non-https URLs unless ``OAUTHLIB_INSECURE_TRANSPORT`` is set, which is
    process-wide. Adapters enable this only when every http URL they use is a loopback
    address (the local Sandbox, a dev redirect URI), so real networks are never affected.
    A reference count keeps concurrent callers from unsetting it under each other.
    """
    global _insecure_depth
    if not enabled or os.environ.get("OAUTHLIB_INSECURE_TRANSPORT"):
        yield
        return
    with _insecure_lock:
        _insecure_depth += 1
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    try:
        yield
    finally:
        with _insecure_lock:
            _insecure_depth -= 1
            if _insecure_depth == 0:
                os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)


def map_oauth_error(exc: oauth_errors.OAuth2Error, *, refreshing: bool) -> NetworkError:
    """Translate an oauthlib error raised while talking to an authorization server."""
    detail = exc.description or exc.error or str(exc)
    if isinstance(exc, oauth_errors.MismatchingStateError):
        return AuthorizationFailed("OAuth state mismatch: possible CSRF, start linking again")
    if isinstance(exc, oauth_errors.AccessDeniedError):
        return AuthorizationFailed("the user did not authorise the app")
    if isinstance(exc, oauth_errors.InvalidClientError | oauth_errors.UnauthorizedClientError):
        return PermanentFailure(f"the network refused the app credentials: {detail}")
    if refreshing:
        # invalid_grant is the standard answer; X answers invalid_request for a used or
        # revoked refresh token. Either way the stored grant is unusable.
        return ReauthNeeded(f"refresh refused: {exc.error}: {detail}")
    if isinstance(exc, oauth_errors.InvalidGrantError):
        return AuthorizationFailed(f"authorization code refused: {detail}")
    return AuthorizationFailed(f"authorization failed: {exc.error}: {detail}")
