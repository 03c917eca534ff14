"""HTTP hardening and the view-level role guard (services check roles again)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Final, TypeVar
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, abort
from flask_login import current_user, login_required

from advisor_hub.roles import Role

F = TypeVar("F", bound=Callable[..., Any])

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def set_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Anonymous users go to the login page; logged-in users without the role get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_any_role(roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


_MAX_NEXT: Final = 2000
_DECODE_ROUNDS: Final = 3


def _is_local_path(value: str) -> bool:
    # "/x..." with x neither "/" nor "\" ("//host" and "/\host" are host names to browsers);
    # no backslash (browsers read it as "/"); no control character (browsers drop tab, CR
    # and LF inside URLs, "/\t/host" is "//host"; CR/LF would also split the header).
    if not value.startswith("/") or value.startswith(("//", "/\\")):
        return False
    if "\\" in value or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def is_safe_next(target: str | None) -> bool:
    """Only same-site paths are followed after login or a language change (no open
    redirect). The check holds for the value as given and after each round of
    percent-decoding ("/%2F/host", "/%5Chost", "/%09/host" are refused); anything still
    encoded after a few rounds is refused too."""
    if not target or len(target) > _MAX_NEXT:
        return False
    value = target
    for _ in range(_DECODE_ROUNDS):
        if not _is_local_path(value):
            return False
        decoded = unquote(value)
        if decoded == value:
            return True
        value = decoded
    return False
