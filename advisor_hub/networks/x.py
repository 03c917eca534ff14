"""X (Twitter): API v2 posts with OAuth 2.0 authorization code + PKCE.

Refresh tokens are single use: each refresh answers a new access token *and* a new refresh
token, and the old refresh token stops working at once. Callers must therefore refresh under
a per-account lock (e.g. ``SELECT ... FOR UPDATE`` on the linked account) and save the new
pair in the same transaction before using it; two schedulers refreshing concurrently would
otherwise leave one of them with a dead grant. This module keeps no state of its own.

X has no lookup by our key; after ``OutcomeUnknown`` a resend of the identical text is
answered 403 "duplicate content", which the caller treats as already published.

Images: ``POST /2/media/upload`` (v2 one-shot upload, multipart ``media`` with
``media_category=tweet_image``) answers ``{"data": {"id": ..., "media_key": ...}}``; the post
then carries ``"media": {"media_ids": [id]}``. Uploading needs the ``media.write`` scope, so a
grant made before the app asked for it must be relinked.

Replies (the conversations feature): recent search by ``conversation_id`` reads the replies to
a post, and a reply is a post with ``reply.in_reply_to_tweet_id``. Reading is billed per post
returned, so the capture is off unless ``X_CAPTURE_REPLIES`` is set. Hiding a reply needs a
scope the app does not ask for: not offered.
"""

from __future__ import annotations

import unicodedata

import requests

from .base import URL_RE, NetworkAdapter, NetworkConfig, find_urls, text_with_link
from .comments import MAX_PAGES, CommentPage, NetworkComment, parse_graph_time
from .errors import (
    Duplicate,
    NetworkError,
    NotSent,
    OutcomeUnknown,
    ReauthNeeded,
    classify_status,
    response_json,
)
from .media import Media
from .tokens import Account, Profile, PublishResult, TokenSet

URL_WEIGHT = 23
# twitter-text v3: code points in these ranges weigh 1, everything else 2.
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_ZWJ = 0x200D
_WEIGHTLESS = {0xFE0E, 0xFE0F} | set(range(0x1F3FB, 0x1F400))  # variation selectors, skin tones
REAUTH_ERROR_CODES = {32, 89}
MEDIA_SCOPE = "media.write"
DUPLICATE_ERROR_CODE = 187
# "Use conversation_id as a search operator to retrieve all posts in a thread ... This returns
# all replies to the original post, sorted reverse-chronologically":
# https://docs.x.com/x-api/fundamentals/conversation-id
# Recent search covers the last 7 days; 100 results at most per page; 300 requests per 15
# minutes per user, 450 per app: https://docs.x.com/x-api/fundamentals/rate-limits
SEARCH_PATH = "/2/tweets/search/recent"
SEARCH_WINDOW_DAYS = 7
SEARCH_FIELDS = {
    "tweet.fields": "author_id,created_at,conversation_id,in_reply_to_user_id,referenced_tweets",
    "expansions": "author_id",
    "user.fields": "name,username",
    "max_results": "100",
}


def post_url(post_id: str) -> str:
    return f"https://x.com/i/web/status/{post_id}"


def weighted_length(text: str) -> int:
    """X's weighted length: URLs 23, Latin-ish 1, CJK and emoji 2.

    Emoji sequences joined by ZWJ count once; anything else unusual errs on counting more,
    so a text that fits here fits on X.
    """
    text = unicodedata.normalize("NFC", text)
    total = 0
    pos = 0
    for match in URL_RE.finditer(text):
        total += _weigh(text[pos : match.start()])
        url = match.group(0)
        core = find_urls(url)[0]
        total += URL_WEIGHT + _weigh(url[len(core) :])
        pos = match.end()
    return total + _weigh(text[pos:])


def _weigh(segment: str) -> int:
    total = 0
    joined = False
    for char in segment:
        code = ord(char)
        if code == _ZWJ:
            joined = True
            continue
        if code in _WEIGHTLESS:
            continue
        if joined:
            joined = False
            continue
        total += 1 if any(lo <= code <= hi for lo, hi in _LIGHT_RANGES) else 2
    return total


def classify_response(response: requests.Response) -> NetworkError:
    body = response_json(response)
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    codes = {e.get("code") for e in errors if isinstance(e, dict)}
    detail = (
        body.get("detail")
        or "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))
        or response.reason
        or ""
    )
    message = f"X: {detail}"
    if response.status_code == 401 or codes & REAUTH_ERROR_CODES:
        return ReauthNeeded(message, status=response.status_code)
    if DUPLICATE_ERROR_CODE in codes or (
        response.status_code == 403 and "duplicate" in str(detail).lower()
    ):
        return Duplicate(message, status=response.status_code)
    return classify_status(response, message)


class XAdapter(NetworkAdapter):
    name = "x"
    label = "X"
    char_limit = 280
    rejects_duplicates_by_default = True
    uses_pkce = True
    supports_refresh = True
    supports_revoke = True
    token_auth = "basic"  # confidential client: HTTP Basic on the token endpoint
    defaults = NetworkConfig(
        auth_url="https://x.com/i/oauth2/authorize",
        token_url="https://api.x.com/2/oauth2/token",
        revoke_url="https://api.x.com/2/oauth2/revoke",
        api_base="https://api.x.com",
        scopes=("tweet.read", "tweet.write", "users.read", "offline.access", MEDIA_SCOPE),
    )

    def classify_response(self, response: requests.Response) -> NetworkError:
        return classify_response(response)

    def render_text(self, text: str, link_url: str | None = None, *,
                    with_media: bool = False) -> str:
        return text_with_link(text, link_url)  # a tweet has no separate link field

    def count_chars(self, text: str) -> int:
        return weighted_length(text)

    def fetch_profile(self, token: TokenSet) -> Profile:
        data = self._api(
            "GET",
            self._url("/2/users/me"),
            token,
            params={"user.fields": "profile_image_url"},
        ).json()["data"]
        user_id = str(data["id"])
        name = data.get("name") or data.get("username") or user_id
        url = f"https://x.com/{data['username']}" if data.get("username") else None
        picture = data.get("profile_image_url")
        account = Account(external_id=user_id, name=name, profile_url=url, picture_url=picture)
        return Profile(
            external_id=user_id,
            name=name,
            profile_url=url,
            picture_url=picture,
            accounts=(account,),
        )

    def upload_media(self, token: TokenSet, media: Media) -> str:
        """Upload one image; its media id. Failures are never OutcomeUnknown (``_upload``)."""
        if token.scope and MEDIA_SCOPE not in token.scope.split():
            # X answers 403 to a token granted without media.write; only relinking helps.
            raise ReauthNeeded(f"X: the grant lacks {MEDIA_SCOPE}; relink the account")
        response = self._upload(
            "POST",
            self._url("/2/media/upload"),
            token,
            data={"media_category": "tweet_image"},
            files={"media": (media.filename, media.data, media.mime_type)},
        )
        media_id = (response_json(response).get("data") or {}).get("id")
        if not media_id:
            raise NotSent("X answered the media upload without a media id",
                          status=response.status_code)
        return str(media_id)

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
        body: dict = {"text": self.render_text(text, link_url)}
        if media is not None:
            body["media"] = {"media_ids": [self.upload_media(token, media)]}
        response = self._api("POST", self._url("/2/tweets"), token, json=body)
        post_id = (response_json(response).get("data") or {}).get("id")
        if not post_id:
            raise OutcomeUnknown("X accepted the post without returning an id")
        return PublishResult(post_id=str(post_id), post_url=post_url(str(post_id)))

    supports_comments = True

    def list_comments(self, token: TokenSet, post_id: str, *,
                      since: str | None = None) -> CommentPage:
        """Replies in the post's conversation newer than the reply id ``since`` (``since_id``),
        every page of them up to ``MAX_PAGES``; ``reads`` counts the posts billed."""
        params = {"query": f"conversation_id:{post_id}", **SEARCH_FIELDS}
        if since:
            params["since_id"] = since
        found: list[NetworkComment] = []
        newest = since
        reads = 0
        complete = False
        for page in range(MAX_PAGES):
            body = response_json(self._api("GET", self._url(SEARCH_PATH), token, params=params))
            users = {str(u.get("id")): u for u in (body.get("includes") or {}).get("users") or []
                     if isinstance(u, dict)}
            meta = body.get("meta") or {}
            if page == 0 and meta.get("newest_id"):
                newest = str(meta["newest_id"])
            for tweet in body.get("data") or []:
                if not isinstance(tweet, dict) or not tweet.get("id"):
                    continue
                reads += 1
                found.append(_reply_of(tweet, users, post_id))
            token_next = meta.get("next_token")
            if not token_next:
                complete = True
                break
            params = {**params, "pagination_token": str(token_next)}
        # Unread older pages: keep the old cursor so that the next pass reads them.
        return CommentPage(tuple(found), newest if complete else since, complete=complete,
                           reads=reads)

    def reply(self, token: TokenSet, account_external_id: str, post_id: str,
              comment_id: str, text: str) -> str:
        body = {"text": text, "reply": {"in_reply_to_tweet_id": comment_id}}
        response = self._api("POST", self._url("/2/tweets"), token, json=body)
        reply_id = (response_json(response).get("data") or {}).get("id")
        if not reply_id:
            raise OutcomeUnknown("X accepted the reply without returning an id")
        return str(reply_id)

    def revoke(self, token: TokenSet, grantor_id: str | None = None) -> bool:
        return self._revoke_rfc7009(token)


def _reply_of(tweet: dict, users: dict[str, dict], post_id: str) -> NetworkComment:
    author_id = str(tweet["author_id"]) if tweet.get("author_id") else None
    user = users.get(author_id or "") or {}
    parent = next((str(r.get("id")) for r in tweet.get("referenced_tweets") or []
                   if isinstance(r, dict) and r.get("type") == "replied_to"), None)
    name = user.get("name") or (f"@{user['username']}" if user.get("username") else "")
    created = str(tweet.get("created_at") or "").replace(".000Z", "+0000").replace("Z", "+0000")
    return NetworkComment(
        external_id=str(tweet["id"]), text=str(tweet.get("text") or ""), author_id=author_id,
        author_name=name or (author_id or ""), created_at=parse_graph_time(created),
        parent_id=parent if parent and parent != post_id else None)
