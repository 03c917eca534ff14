"""The Sandbox's memory: clients, profiles, grants, posts, queued faults and counters.

Everything lives in one object guarded by one lock, so a threaded server (or several
scheduler processes talking to one server) sees consistent counts.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

FAULT_KINDS = {
    "error",  # answer ``status`` (500/502/503/504) without doing anything
    "rate_limit",  # 429 with Retry-After (seconds, or an HTTP-date with http_date=True)
    "delay",  # sleep ``seconds`` then do the work normally (client read timeout)
    "accept_then_error",  # do the work, then answer ``status`` (default 500)
    "unauthorized",  # 401 invalid_token, as for a revoked or expired token
    "invalid_grant",  # token endpoint: 400 invalid_grant (refused refresh)
    # Connector health (issue 13): what the real networks answer for the app's own faults.
    "version_retired",  # 426 NONEXISTENT_VERSION, as LinkedIn for a sunset LinkedIn-Version
    "credits_exhausted",  # 402, as X when the prepaid pay-per-use credits are used up
    "client_refused",  # 401 invalid_client: the app's credentials refused
    "token_invalidated",  # 401, as Facebook for a Page token a password change killed
}
ENDPOINTS = {"authorize", "token", "revoke", "me", "publish", "lookup", "comments", "reply",
             "hide", "*"}


@dataclass
class Fault:
    kind: str
    status: int | None = None
    retry_after: float | None = None
    http_date: bool = False
    seconds: float = 0.0


@dataclass
class Client:
    client_id: str
    secret: str
    redirect_uris: list[str] | None = None  # None: any loopback or same-host URI


@dataclass
class SandboxProfile:
    id: str
    login: str
    name: str
    headline: str = ""


@dataclass
class Grant:
    """One authorization (client + profile + scope); tokens hang off it."""

    client_id: str
    profile_id: str
    scope: str


@dataclass
class AccessToken:
    grant: Grant
    expires_at: datetime
    revoked: bool = False


@dataclass
class RefreshToken:
    grant: Grant
    used: bool = False
    revoked: bool = False


@dataclass
class AuthCode:
    grant: Grant
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: datetime


@dataclass
class Post:
    id: str
    account_id: str
    text: str
    link: str | None
    idempotency_key: str | None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The attached image, if any: the Sandbox keeps its hash and size, not the bytes.
    image_sha256: str | None = None
    image_size: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data


@dataclass
class Comment:
    """A comment on a post (or, with ``parent_id``, a reply to a comment), as Facebook keeps
    them: a client's, or the account's own reply (``author_id`` is the account's)."""

    id: str
    post_id: str
    author_id: str
    author_name: str
    message: str
    parent_id: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    is_hidden: bool = False
    deleted: bool = False


# People who comment on the advisors' posts in the client view (any other name works too).
DEFAULT_CLIENTS = (("sbx-client-claire", "Claire Petit"), ("sbx-client-marc", "Marc Leroy"))

DEFAULT_PROFILES = (
    SandboxProfile("sbx-alice", "alice", "Alice Martin", "Wealth advisor, Lyon branch"),
    SandboxProfile("sbx-bruno", "bruno", "Bruno Dubois", "Mortgage advisor, Lille branch"),
    SandboxProfile("sbx-chloe", "chloe", "Chloé Bernard", "Private banker, Paris Opéra"),
)
_LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")


def valid_login(login: str) -> bool:
    return bool(_LOGIN_RE.match(login))


class SandboxState:
    def __init__(
        self,
        *,
        clients: list[Client],
        access_token_ttl: float = 600.0,
        code_ttl: float = 120.0,
        post_latency: float = 0.0,
        duplicate_window: float = 86400.0,
        reject_duplicate_keys: bool = True,
        reject_duplicate_text: bool = True,
        retired_versions: tuple[str, ...] = (),
    ) -> None:
        self.lock = threading.RLock()
        self.clients = {c.client_id: c for c in clients}
        self.access_token_ttl = access_token_ttl
        self.code_ttl = code_ttl
        self.post_latency = post_latency
        self.duplicate_window = duplicate_window
        self.reject_duplicate_keys = reject_duplicate_keys
        self.reject_duplicate_text = reject_duplicate_text
        # Sandbox-Version values answered 426 (as LinkedIn answers a sunset LinkedIn-Version).
        self.retired_versions: set[str] = set(retired_versions)
        self.reset()

    def reset(self) -> None:
        """Forget every grant, post, fault and counter (clients and settings stay)."""
        with self.lock:
            self.profiles: dict[str, SandboxProfile] = {p.id: p for p in DEFAULT_PROFILES}
            self.codes: dict[str, AuthCode] = {}
            self.access_tokens: dict[str, AccessToken] = {}
            self.refresh_tokens: dict[str, RefreshToken] = {}
            self.posts: list[Post] = []
            self.faults: dict[str, deque[Fault]] = {}
            self.attempts_per_key: Counter[str] = Counter()
            self.requests: Counter[str] = Counter()
            self.duplicates_rejected = 0
            self._next_post = 0
            self.comments: list[Comment] = []
            self._next_comment = 0

    # -- faults ---------------------------------------------------------------------------

    def add_fault(self, endpoint: str, kind: str, count: int = 1, **params: Any) -> None:
        """Queue ``kind`` for the next ``count`` requests to ``endpoint`` ("*" = any)."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {sorted(ENDPOINTS)}")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {sorted(FAULT_KINDS)}")
        if kind == "error" and params.get("status") not in (500, 502, 503, 504):
            raise ValueError("an 'error' fault needs status 500, 502, 503 or 504")
        fault = Fault(kind=kind, **params)
        with self.lock:
            self.faults.setdefault(endpoint, deque()).extend(fault for _ in range(count))

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, endpoint: str) -> Fault | None:
        with self.lock:
            self.requests[endpoint] += 1
            for name in (endpoint, "*"):
                queue = self.faults.get(name)
                if queue:
                    return queue.popleft()
        return None

    # -- profiles and grants ---------------------------------------------------------------

    def profile_for_login(self, login: str) -> SandboxProfile:
        """The profile with this login, created on the fly for unknown (valid) logins."""
        with self.lock:
            for profile in self.profiles.values():
                if profile.login == login:
                    return profile
            profile = SandboxProfile(f"sbx-{login}", login, login.replace(".", " ").title())
            self.profiles[profile.id] = profile
            return profile

    def issue_code(
        self,
        grant: Grant,
        redirect_uri: str,
        code_challenge: str | None,
        code_challenge_method: str | None,
    ) -> str:
        code = "sbx_code_" + secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = AuthCode(
                grant,
                redirect_uri,
                code_challenge,
                code_challenge_method,
                datetime.now(UTC) + timedelta(seconds=self.code_ttl),
            )
        return code

    def take_code(self, code: str) -> AuthCode | None:
        """Codes are single use: taking one removes it."""
        with self.lock:
            record = self.codes.pop(code, None)
        if record is None or record.expires_at < datetime.now(UTC):
            return None
        return record

    def issue_tokens(self, grant: Grant) -> dict[str, Any]:
        access = "sbx_at_" + secrets.token_urlsafe(32)
        refresh = "sbx_rt_" + secrets.token_urlsafe(32)
        with self.lock:
            self.access_tokens[access] = AccessToken(
                grant, datetime.now(UTC) + timedelta(seconds=self.access_token_ttl)
            )
            self.refresh_tokens[refresh] = RefreshToken(grant)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_token_ttl,
            "refresh_token": refresh,
            "scope": grant.scope,
        }

    def rotate_refresh_token(self, refresh: str, client_id: str) -> dict[str, Any] | None:
        """New token pair for a live refresh token, which is spent; None if refused."""
        with self.lock:
            record = self.refresh_tokens.get(refresh)
            if (
                record is None
                or record.used
                or record.revoked
                or record.grant.client_id != client_id
            ):
                return None
            record.used = True
            return self.issue_tokens(record.grant)

    def revoke(self, token: str, client_id: str) -> None:
        """RFC 7009: revoking either token ends the whole grant; unknown tokens are fine."""
        with self.lock:
            record = self.access_tokens.get(token) or self.refresh_tokens.get(token)
            if record is None or record.grant.client_id != client_id:
                return
            grant = record.grant
            for item in (*self.access_tokens.values(), *self.refresh_tokens.values()):
                if item.grant is grant:
                    item.revoked = True

    def access(self, token: str) -> tuple[AccessToken | None, str]:
        """The live access token record, or None and why not."""
        with self.lock:
            record = self.access_tokens.get(token)
        if record is None:
            return None, "unknown token"
        if record.revoked:
            return None, "token revoked"
        if record.expires_at <= datetime.now(UTC):
            return None, "token expired"
        return record, ""

    # -- posts ----------------------------------------------------------------------------

    def create_post(
        self,
        account_id: str,
        text: str,
        link: str | None,
        idempotency_key: str | None,
        *,
        image_sha256: str | None = None,
        image_size: int | None = None,
    ) -> tuple[Post, bool]:
        """(post, created). ``created`` is False when an earlier post makes this a duplicate."""
        now = datetime.now(UTC)
        with self.lock:
            if idempotency_key:
                self.attempts_per_key[idempotency_key] += 1
            for post in reversed(self.posts):
                if post.account_id != account_id:
                    continue
                same_key = idempotency_key and post.idempotency_key == idempotency_key
                same_text = (
                    post.text == text
                    and post.link == link
                    and post.image_sha256 == image_sha256
                    and (now - post.created_at).total_seconds() <= self.duplicate_window
                )
                if (same_key and self.reject_duplicate_keys) or (
                    same_text and self.reject_duplicate_text
                ):
                    self.duplicates_rejected += 1
                    return post, False
            self._next_post += 1
            post = Post(
                f"post-{self._next_post:06d}",
                account_id,
                text,
                link,
                idempotency_key,
                image_sha256=image_sha256,
                image_size=image_size,
            )
            self.posts.append(post)
            return post, True

    def find_posts(self, account_id: str | None, idempotency_key: str) -> list[Post]:
        with self.lock:
            return [
                p
                for p in reversed(self.posts)
                if p.idempotency_key == idempotency_key
                and (account_id is None or p.account_id == account_id)
            ]

    def posts_for(self, account_id: str) -> list[Post]:
        with self.lock:
            return [p for p in reversed(self.posts) if p.account_id == account_id]

    def get_post(self, post_id: str) -> Post | None:
        with self.lock:
            return next((p for p in self.posts if p.id == post_id), None)

    # -- comments -------------------------------------------------------------------------

    def add_comment(self, post_id: str, author_id: str, author_name: str, message: str,
                    parent_id: str | None = None) -> Comment:
        """A comment (or a reply, with ``parent_id``); ids as Facebook's: ``{post}_{n}``."""
        with self.lock:
            if self.get_post(post_id) is None:
                raise KeyError(post_id)
            if parent_id is not None and self.get_comment(parent_id) is None:
                raise KeyError(parent_id)
            self._next_comment += 1
            comment = Comment(f"{post_id}_{self._next_comment:06d}", post_id, author_id,
                              author_name, message, parent_id)
            self.comments.append(comment)
            return comment

    def get_comment(self, comment_id: str) -> Comment | None:
        with self.lock:
            return next((c for c in self.comments if c.id == comment_id and not c.deleted),
                        None)

    def comments_for(self, post_id: str) -> list[Comment]:
        """The post's live comments and replies, oldest first (deleted ones are gone)."""
        with self.lock:
            return [c for c in self.comments if c.post_id == post_id and not c.deleted]

    def delete_comment(self, comment_id: str) -> bool:
        with self.lock:
            comment = self.get_comment(comment_id)
            if comment is None:
                return False
            comment.deleted = True
            return True

    def stats(self) -> dict[str, Any]:
        with self.lock:
            per_key = Counter(p.idempotency_key for p in self.posts if p.idempotency_key)
            return {
                "posts": len(self.posts),
                "comments": len([c for c in self.comments if not c.deleted]),
                "posts_per_key": dict(per_key),
                "keys_posted_more_than_once": sorted(k for k, n in per_key.items() if n > 1),
                "attempts_per_key": dict(self.attempts_per_key),
                "duplicates_rejected": self.duplicates_rejected,
                "requests": dict(self.requests),
                "faults_pending": {k: len(v) for k, v in self.faults.items() if v},
            }
