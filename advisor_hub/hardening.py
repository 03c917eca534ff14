"""Request hardening: hostile input becomes a 4xx (never a 500), and response headers.

- ``<int:...>`` in routes refuses values above 2^63 - 1 (404, as for any unknown id), and
  ``request.args.get(..., type=int)`` / ``request.form.get(..., type=int)`` treat such values
  as absent: a database integer column can never hold them.
- The four names ``url_for`` reserves (``_method``, ``_external``, ``_scheme``, ``_anchor``)
  are no query parameters of this app: they are dropped from ``request.args``, so views that
  pass the query on to ``url_for(**args)`` (pagers, export links) cannot be steered by them.
- A redirect to a target holding CR/LF (or any control character) is a 400.
- Any ``OverflowError`` (a date or number out of range reaching the database or date
  arithmetic) or database ``DataError`` (PostgreSQL's "integer out of range") is answered
  400 with a message: a value no validator stopped, never a server fault.
- ``Host`` is checked against ``TRUSTED_HOSTS`` by Flask (400 for another host).
- SQLite: a request that may write takes the write lock first (no "database is locked").
- HSTS over https; ``Cache-Control: no-store`` on every page (static files excepted).
- werkzeug's request log never shows OAuth ``code``/``state`` (or token) query values.

The CSP and framing headers are set by :mod:`advisor_hub.security`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Request, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property
from werkzeug.wrappers import Response

MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)
URL_FOR_RESERVED = frozenset({"_method", "_external", "_scheme", "_anchor"})
STATIC_ENDPOINTS = frozenset({"static", "bootstrap.static"})
REDACTED_QUERY_KEYS = ("code", "state", "token", "access_token", "id_token", "refresh_token")


# -- integers ----------------------------------------------------------------------------------


def bounded_int(value: Any) -> int:
    """``int(value)`` for a value a BIGINT column can hold, else ValueError."""
    number = int(value)
    if not MIN_INT64 <= number <= MAX_INT64:
        raise ValueError("integer out of range")
    return number


def _bounded(type_: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    return bounded_int if type_ is int else type_


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` that matches only values up to 2^63 - 1 (larger ones: 404)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_INT64, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_INT64 if max is None else max, signed=signed)


class Parameters(ImmutableMultiDict[str, str]):
    """Query/form values where ``type=int`` refuses what no database integer can hold."""

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:
        return super().get(key, default, type=_bounded(type))

    def getlist(self, key: str, type: Any = None) -> list[Any]:
        return super().getlist(key, type=_bounded(type))


class HardenedRequest(Request):
    parameter_storage_class = Parameters

    @cached_property
    def args(self) -> Parameters:  # type: ignore[override]
        pairs = parse_qsl(self.query_string.decode(), keep_blank_values=True,
                          errors="werkzeug.url_quote")
        return Parameters([(k, v) for k, v in pairs if k not in URL_FOR_RESERVED])


def int_arg(name: str, default: int | None = None) -> int | None:
    """A query argument as an integer a database column can hold, else ``default``."""
    return request.args.get(name, default, type=int)


class ValueOutOfRange(BadRequest):
    description = _l("A value in the request is out of range (a date or a number too large).")


def _out_of_range(error: Exception) -> Any:
    from flask import current_app

    # Logged: a value no validator stopped is worth a validator.
    current_app.logger.warning("value out of range on %s: %s", request.path,
                               " ".join(str(error).split())[:300])
    return current_app.handle_http_exception(ValueOutOfRange())


class BadRedirect(BadRequest):
    description = _l("The address to go to after this page is not valid.")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _refuse_control_characters(plain: Callable[..., Response]) -> Callable[..., Response]:
    """``redirect()`` to a target with CR, LF or another control character (they can only
    come from the request: a ``next`` value) is a 400, not a header error and a 500."""

    def redirect(location: str, code: int = 302) -> Response:
        if _CONTROL.search(str(location)):
            raise BadRedirect()
        return plain(location, code=code)

    return redirect


# -- SQLite writes -----------------------------------------------------------------------------

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# GETs that write: the OAuth 2 / OpenID Connect redirects back to us (the protocol makes them
# GETs) store the linked account or the signed-in user.
WRITING_GETS = frozenset({"publishing.callback", "sso.callback"})


def sqlite_writes_take_the_lock_first() -> None:
    """On SQLite, a request that may write begins ``BEGIN IMMEDIATE``. A deferred transaction
    reads first (the user, the object), then writes; in WAL mode, when another writer
    committed in between, that write fails at once with "database is locked" (the busy
    timeout does not apply to a stale snapshot). Taking the write lock first makes
    concurrent writers wait their turn (up to DB_BUSY_TIMEOUT_MS) instead."""
    from advisor_hub.db import SQLITE_BEGIN, database, get_session

    if database().engine.dialect.name != "sqlite" or (
            request.method in SAFE_METHODS and request.endpoint not in WRITING_GETS):
        return
    session = get_session()
    if session.in_transaction():
        return
    if isinstance(session.bind, Engine):
        # Every transaction of this request, also one begun after a commit mid-request
        # (the login's lockout commits its count first), takes the write lock first.
        session.bind = session.bind.execution_options(**{SQLITE_BEGIN: "BEGIN IMMEDIATE"})
    else:  # bound to a connection (tests): its transaction is already begun or joined
        session.connection(execution_options={SQLITE_BEGIN: "BEGIN IMMEDIATE"})


# -- headers -----------------------------------------------------------------------------------


HSTS_MAX_AGE = 31_536_000  # a year (an app without the setting: the mounted Sandbox)


def set_hardening_headers(response: Response) -> Response:
    from flask import current_app

    if request.is_secure:
        max_age = int(current_app.config.get("HSTS_MAX_AGE") or HSTS_MAX_AGE)
        response.headers.setdefault("Strict-Transport-Security",
                                    f"max-age={max_age}; includeSubDomains")
    # Every page is private (the portal's pages need a login; the login, reset and error pages
    # carry tokens or a user's state): never stored by a browser or a proxy. Static files are
    # the same for everyone and stay cacheable.
    if request.endpoint not in STATIC_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


# -- logs --------------------------------------------------------------------------------------

_KEYS = "|".join(map(re.escape, REDACTED_QUERY_KEYS))
_SECRET_QUERY = re.compile(rf"(?P<key>[?&;](?:{_KEYS})=)[^&;\s\"]*", re.IGNORECASE)


def redact(line: str) -> str:
    """The request line with OAuth codes, states and tokens replaced by ``[redacted]``."""
    return _SECRET_QUERY.sub(r"\g<key>[redacted]", line)


class RedactSecretsFilter(logging.Filter):
    """A logging filter for access logs (werkzeug's, gunicorn's ``gunicorn.access``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logged as it is
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install_log_filter(logger_name: str) -> None:
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactSecretsFilter) for f in logger.filters):
        logger.addFilter(RedactSecretsFilter())


# -- wiring ------------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Before the blueprints: the integer converter must be in place when routes are added."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.request_class = HardenedRequest
    app.register_error_handler(OverflowError, _out_of_range)
    app.register_error_handler(DataError, _out_of_range)  # PostgreSQL: "integer out of range"
    app.redirect = _refuse_control_characters(app.redirect)  # type: ignore[method-assign]
    app.before_request(sqlite_writes_take_the_lock_first)
    app.after_request(set_hardening_headers)
    install_log_filter("werkzeug")
