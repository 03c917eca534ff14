"""What went wrong talking to a network, classified by what is known about the send.

The publishing code decides what to do from the class alone:

* ``NotSent``: the network certainly did not act; retry with backoff, honouring
  ``retry_after`` (seconds) when the network gave one.
* ``OutcomeUnknown``: the request may have been acted on; never resend blindly, reconcile
  with ``adapter.lookup`` or rely on the network's duplicate rejection.
* ``ReauthNeeded``: the token is dead; the advisor must relink the account.
* ``PermanentFailure``: the network refused the content or the request; do not retry.
* ``Duplicate``: the network says this post already exists; treat as published.

``classify_transport_error`` handles exceptions raised by ``requests``; each adapter module
has its own ``classify_response`` for HTTP answers, built on ``classify_status``.
"""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, datetime

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError


class NetworkError(Exception):
    """Base class of every error an adapter raises."""

    def __init__(self, message: str = "", *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class NotSent(NetworkError):
    """The request never reached the network, or the network refused it before acting."""

    def __init__(
        self, message: str = "not sent", *, retry_after: float | None = None, status=None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class OutcomeUnknown(NetworkError):
    """The request went out and no reliable answer came back."""


class ReauthNeeded(NetworkError):
    """The token was revoked, expired or refused; the account must be relinked."""


class PermanentFailure(NetworkError):
    """The network rejected the request for a reason a retry will not fix."""


class Duplicate(NetworkError):
    """The network rejected the post as a duplicate of one already published."""

    def __init__(
        self,
        message: str = "duplicate",
        *,
        existing_post_id: str | None = None,
        existing_post_url: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.existing_post_id = existing_post_id
        self.existing_post_url = existing_post_url


class LookupUnsupported(NetworkError):
    """The network offers no way to find a post by idempotency key."""


class CommentsUnsupported(PermanentFailure):
    """The network does not let the app read, answer or hide comments (LinkedIn members'
    posts: partner-only; hiding on X: a scope the app does not ask for)."""


class AuthorizationFailed(NetworkError):
    """Linking an account failed: state mismatch, user denied, bad or used code."""


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now_ts = time.time() if now is None else now
    return max(0.0, when.timestamp() - now_ts)


def _reset_epoch_to_seconds(value: str | None) -> float | None:
    """X and others send ``x-rate-limit-reset`` as a Unix time."""
    if not value:
        return None
    try:
        return max(0.0, float(value) - datetime.now(UTC).timestamp())
    except ValueError:
        return None


def retry_after_from(response: requests.Response) -> float | None:
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if retry_after is None:
        retry_after = _reset_epoch_to_seconds(response.headers.get("x-rate-limit-reset"))
    return retry_after


def classify_transport_error(exc: requests.RequestException) -> NetworkError:
    """Map a ``requests`` exception to NotSent (nothing left the machine) or OutcomeUnknown.

    A connect timeout, a refused connection, a DNS failure, a TLS handshake failure or a
    proxy failure happen before the request is written. Anything later (read timeout,
    connection reset while waiting for the answer, a truncated body) may follow a send.
    """
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return NotSent(f"could not connect: {exc}")
    if isinstance(exc, requests.exceptions.ProxyError):
        return NotSent(f"proxy refused the connection: {exc}")
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        if isinstance(reason, NewConnectionError):  # includes NameResolutionError
            return NotSent(f"could not connect: {reason}")
        return OutcomeUnknown(f"connection lost after sending: {exc}")
    if isinstance(exc, requests.ReadTimeout):
        return OutcomeUnknown(f"no answer in time: {exc}")
    if isinstance(exc, requests.exceptions.MissingSchema | requests.exceptions.InvalidURL):
        return PermanentFailure(f"bad request URL: {exc}")
    return OutcomeUnknown(f"request failed: {exc}")


def classify_status(
    response: requests.Response,
    message: str,
    *,
    unavailable_means_not_sent: bool = False,
) -> NetworkError:
    """Classification by HTTP status alone, once network-specific codes have been checked.

    A 503 is ``OutcomeUnknown`` unless the network promises that a 503 means the request
    was not processed (``unavailable_means_not_sent``): real networks have been seen to
    publish and still answer 503, and at-most-once matters more than a faster retry.
    """
    status = response.status_code
    text = f"{status}: {message}" if message else str(status)
    if status == 429:
        return NotSent(f"rate limited ({text})", retry_after=retry_after_from(response), status=429)
    if status == 503 and unavailable_means_not_sent:
        return NotSent(
            f"service unavailable ({text})", retry_after=retry_after_from(response), status=503
        )
    if status == 401:
        return ReauthNeeded(f"token refused ({text})", status=401)
    if status >= 500:
        return OutcomeUnknown(f"server error ({text})", status=status)
    if status == 426:
        return PermanentFailure(f"API version no longer supported ({text})", status=status)
    return PermanentFailure(f"request rejected ({text})", status=status)


def response_json(response: requests.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
