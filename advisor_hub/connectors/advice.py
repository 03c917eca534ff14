"""Errors people can act on: every network error becomes a :class:`Problem` with advice (what
happened, what to do) in the reader's language. The network's raw words are kept for the
administrator (``AccountGrant.last_raw_error``, the hold's ``detail``), never shown to the
advisor; no problem is ever "unknown": the last resort says who can see the details.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import LazyString, format_datetime
from flask_babel import lazy_gettext as _l

from advisor_hub.connectors.models import HoldCause
from advisor_hub.networks import (
    Duplicate,
    NetworkError,
    NotSent,
    OutcomeUnknown,
    PermanentFailure,
    ReauthNeeded,
)


class Action(enum.StrEnum):
    RELINK = "relink"
    SHORTEN = "shorten"
    EDIT = "edit"
    WAIT = "wait"
    CONTACT_ADMIN = "contact_admin"
    NOTHING = "nothing"


class Problem(enum.StrEnum):
    # app-wide: the app's or the firm's fault; the rows are held, the admin is told
    VERSION_RETIRED = "version_retired"
    APP_CREDENTIALS = "app_credentials"
    CREDITS_EXHAUSTED = "credits_exhausted"
    SPEND_CAP = "spend_cap"
    NETWORK_OUTAGE = "network_outage"
    # passing: the portal retries by itself
    RATE_LIMITED = "rate_limited"
    QUOTA_WAIT = "quota_wait"
    NETWORK_UNAVAILABLE = "network_unavailable"
    CONNECTION_FAILED = "connection_failed"
    OUTCOME_UNKNOWN = "outcome_unknown"
    # the account's grant: relink
    TOKEN_EXPIRED = "token_expired"
    TOKEN_REVOKED = "token_revoked"
    PAGE_TOKEN_INVALIDATED = "page_token_invalidated"
    REFRESH_REUSED = "refresh_reused"
    PERMISSION_MISSING = "permission_missing"
    GRANT_ENDED = "grant_ended"
    ACCOUNT_INACTIVE = "account_inactive"
    # the post itself
    TEXT_TOO_LONG = "text_too_long"
    DUPLICATE = "duplicate"
    MEDIA_REJECTED = "media_rejected"
    LINK_REJECTED = "link_rejected"
    CONTENT_BLOCKED = "content_blocked"
    REQUEST_REFUSED = "request_refused"

    @property
    def app_wide(self) -> bool:
        return self in APP_WIDE

    @property
    def action(self) -> Action:
        return _TEXTS[self][2]

    @property
    def hold_cause(self) -> HoldCause | None:
        return _HOLD_CAUSES.get(self)


APP_WIDE = frozenset({Problem.VERSION_RETIRED, Problem.APP_CREDENTIALS,
                      Problem.CREDITS_EXHAUSTED, Problem.SPEND_CAP, Problem.NETWORK_OUTAGE})
_HOLD_CAUSES = {
    Problem.VERSION_RETIRED: HoldCause.VERSION_RETIRED,
    Problem.APP_CREDENTIALS: HoldCause.APP_CREDENTIALS,
    Problem.CREDITS_EXHAUSTED: HoldCause.CREDITS_EXHAUSTED,
    Problem.SPEND_CAP: HoldCause.SPEND_CAP,
    Problem.NETWORK_OUTAGE: HoldCause.SERVER_ERRORS,
}

_ADMIN = _l("Your administrator has been told and can see the details.")
_LATER = _l("Nothing to do: the portal will send it again by itself.")
_HELD = _l("Nothing to do: it is held and will go out, in order, once the administrator has "
           "fixed this.")
_RELINK = _l("Relink the account (My accounts, then Relink), then the post goes out.")

# what happened, what to do, the action the page offers
_TEXTS: dict[Problem, tuple[LazyString, LazyString, Action]] = {
    Problem.VERSION_RETIRED: (
        _l("The network no longer accepts the version of its API this app uses."), _HELD,
        Action.CONTACT_ADMIN),
    Problem.APP_CREDENTIALS: (
        _l("The network refused the app's own credentials (not yours)."), _HELD,
        Action.CONTACT_ADMIN),
    Problem.CREDITS_EXHAUSTED: (
        _l("The firm's prepaid credits with the network are used up."), _HELD,
        Action.CONTACT_ADMIN),
    Problem.SPEND_CAP: (
        _l("The firm's monthly spending limit for this network is reached."), _HELD,
        Action.CONTACT_ADMIN),
    Problem.NETWORK_OUTAGE: (
        _l("The network is failing for every account right now."), _HELD,
        Action.CONTACT_ADMIN),
    Problem.RATE_LIMITED: (
        _l("The network asked us to slow down."), _LATER, Action.WAIT),
    Problem.QUOTA_WAIT: (
        _l("The account's posting limit for now is reached."), _LATER, Action.WAIT),
    Problem.NETWORK_UNAVAILABLE: (
        _l("The network was unavailable."), _LATER, Action.WAIT),
    Problem.CONNECTION_FAILED: (
        _l("The portal could not reach the network; nothing was sent."), _LATER, Action.WAIT),
    Problem.OUTCOME_UNKNOWN: (
        _l("The network did not say whether it published the post."),
        _l("Do not post it again yourself: the portal checks with the network and will not "
           "send it twice."), Action.NOTHING),
    Problem.TOKEN_EXPIRED: (
        _l("The account's access has expired."), _RELINK, Action.RELINK),
    Problem.TOKEN_REVOKED: (
        _l("The network no longer accepts the account's access (revoked or expired)."),
        _RELINK, Action.RELINK),
    Problem.PAGE_TOKEN_INVALIDATED: (
        _l("Facebook ended the Page's access (a password change, or the Page role was "
           "removed)."), _RELINK, Action.RELINK),
    Problem.REFRESH_REUSED: (
        _l("The network refused to renew the account's access."), _RELINK, Action.RELINK),
    Problem.PERMISSION_MISSING: (
        _l("The account did not grant every permission publishing needs."),
        _l("Relink the account and accept every permission asked."), Action.RELINK),
    Problem.GRANT_ENDED: (
        _l("The account's access has come to its end."), _RELINK, Action.RELINK),
    Problem.ACCOUNT_INACTIVE: (
        _l("The account is not active (unlinked, rejected or waiting for approval)."),
        _l("Relink the account, or wait for compliance to approve it."), Action.RELINK),
    Problem.TEXT_TOO_LONG: (
        _l("The text is too long for this network."),
        _l("Shorten the text, then schedule it again."), Action.SHORTEN),
    Problem.DUPLICATE: (
        _l("The network says this exact post is already published."),
        _l("Nothing to do if it is on the network; to post again, change the text."),
        Action.EDIT),
    Problem.MEDIA_REJECTED: (
        _l("The network refused the image."),
        _l("Use another image (JPEG or PNG, smaller), then schedule it again."), Action.EDIT),
    Problem.LINK_REJECTED: (
        _l("The network could not read the link."),
        _l("Check the link opens in a browser, or remove it, then schedule it again."),
        Action.EDIT),
    Problem.CONTENT_BLOCKED: (
        _l("The network blocked the content under its policies."),
        _l("Change the text or the image; ask your administrator if unsure."), Action.EDIT),
    Problem.REQUEST_REFUSED: (
        _l("The network refused the post without a reason the portal recognises."), _ADMIN,
        Action.CONTACT_ADMIN),
}


@dataclass(frozen=True)
class Advice:
    problem: Problem
    what: str
    todo: str
    action: Action
    until: datetime | None = None


def advise(problem: Problem | str, *, until: datetime | None = None) -> Advice:
    """The advice in the current language; ``until``: when a waiting row goes again."""
    problem = Problem(problem)
    what, todo, action = _TEXTS[problem]
    text = str(todo)
    if until is not None and action == Action.WAIT:
        text = str(_l("Nothing to do: it will be sent again after %(time)s.",
                      time=format_datetime(until, "short")))
    return Advice(problem, str(what), text, action, until)


_APP_CREDENTIAL_WORDS = ("invalid_client", "unauthorized_client", "app credentials",
                         "app's credentials",
                         "client-not-enrolled", "client forbidden", "client-forbidden",
                         "not configured (no client id")
_LENGTH_WORDS = ("too long", "text is too long", "exceeds", "character limit", "length")
_MEDIA_WORDS = ("media", "image", "upload", "picture")
_FB_CODE = re.compile(r"code (\d+)")
_FB_SUBCODE = re.compile(r"subcode (\d+)")


def diagnose(error: NetworkError, network: str) -> Problem:
    """The problem a network error means (its class, status and words)."""
    return diagnose_message(network, error.message or str(error), status=error.status,
                            kind=_kind(error))


def _kind(error: NetworkError) -> str:
    for cls, kind in ((Duplicate, "duplicate"), (ReauthNeeded, "reauth"),
                      (NotSent, "not_sent"), (OutcomeUnknown, "outcome_unknown"),
                      (PermanentFailure, "permanent")):
        if isinstance(error, cls):
            return kind
    return "permanent"


def diagnose_message(network: str, message: str, *, status: int | None = None,
                     kind: str = "permanent") -> Problem:
    """``diagnose`` from what an outbox row kept: its failure class (``kind``: reauth,
    not_sent, outcome_unknown, permanent, precheck) and its stored message."""
    text = (message or "").lower()
    if status == 426 or "nonexistent_version" in text or "linkedin-version" in text:
        return Problem.VERSION_RETIRED
    if status == 402 or ("credits" in text and "deplet" in text):
        return Problem.CREDITS_EXHAUSTED
    if any(word in text for word in _APP_CREDENTIAL_WORDS):
        return Problem.APP_CREDENTIALS
    if kind == "duplicate" or "duplicate" in text:
        return Problem.DUPLICATE
    if kind == "reauth":
        return _reauth_problem(network, text)
    if kind == "outcome_unknown":
        return Problem.OUTCOME_UNKNOWN
    if kind == "not_sent":
        if status == 429 or "rate limit" in text:
            return Problem.RATE_LIMITED
        if status is not None and status >= 500:
            return Problem.NETWORK_UNAVAILABLE
        return Problem.CONNECTION_FAILED
    if any(word in text for word in _LENGTH_WORDS):
        return Problem.TEXT_TOO_LONG
    if "code 368" in text or "blocked the content" in text or "policy" in text:
        return Problem.CONTENT_BLOCKED
    if "1609005" in text or ("link" in text and ("scrap" in text or "url" in text)):
        return Problem.LINK_REJECTED
    if any(word in text for word in _MEDIA_WORDS):
        return Problem.MEDIA_REJECTED
    if "relink" in text or "no stored token" in text:
        return Problem.TOKEN_REVOKED
    return Problem.REQUEST_REFUSED


def _reauth_problem(network: str, text: str) -> Problem:
    if "refresh refused" in text and "invalid_request" in text:
        return Problem.REFRESH_REUSED  # X: a single-use refresh token used twice
    if network == "facebook":
        sub = _FB_SUBCODE.search(text)
        code = _FB_CODE.search(text)
        if (sub and sub.group(1) in ("460", "467")) or "password" in text:
            return Problem.PAGE_TOKEN_INVALIDATED
        if sub and sub.group(1) == "463":
            return Problem.TOKEN_EXPIRED
        if code and (code.group(1) == "10" or 200 <= int(code.group(1)) <= 299):
            return Problem.PERMISSION_MISSING
        return Problem.PAGE_TOKEN_INVALIDATED
    if "scope" in text or "permission" in text:
        return Problem.PERMISSION_MISSING
    if "expired" in text:
        return Problem.TOKEN_EXPIRED
    return Problem.TOKEN_REVOKED


# What the administrators are told when a hold begins (one message per cause).
HOLD_LABELS: dict[HoldCause, LazyString] = {
    HoldCause.VERSION_RETIRED: _l("API version retired"),
    HoldCause.APP_CREDENTIALS: _l("App credentials refused"),
    HoldCause.CREDITS_EXHAUSTED: _l("Prepaid credits used up"),
    HoldCause.SPEND_CAP: _l("Monthly spending cap reached"),
    HoldCause.SERVER_ERRORS: _l("Network failing (server errors)"),
    HoldCause.MANUAL: _l("Held by an administrator"),
}
