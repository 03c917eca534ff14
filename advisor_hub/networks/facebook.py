"""Facebook Pages through the Graph API: the app links Pages, never personal timelines.

Linking: the user token from the OAuth dialog is traded for a long-lived one, and
``fetch_profile`` lists the Pages the user manages (``/me/accounts``), each with its own
Page access token in ``Account.token``. Page tokens derived from a long-lived user token do
not expire, so there is nothing to refresh: a dead token means relinking. Publishing uses the
Page token, never the user token (the linked-accounts service stores the Page token).

Comments (the conversations feature): ``GET /{post-id}/comments`` with the Page token lists a
Page post's comments, ``POST /{comment-id}/comments`` answers one as the Page, and
``POST /{comment-id}`` with ``is_hidden=true`` hides one (see the constants below).

Revoking: the grant is the user's, not the Page's, and we keep no user token. So ``revoke``
removes the app from the user (``DELETE /{user-id}/permissions``) with the app access token,
which the Graph API accepts for that call; each Page remembers its user (``grantor_id``).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import requests

from .base import NetworkAdapter, NetworkConfig, text_with_link
from .comments import CommentPage, read_graph_comments
from .errors import (
    AuthorizationFailed,
    Duplicate,
    NetworkError,
    NotSent,
    OutcomeUnknown,
    PermanentFailure,
    ReauthNeeded,
    classify_status,
    response_json,
    retry_after_from,
)
from .media import Media
from .tokens import Account, Profile, PublishResult, TokenSet

# v21.0 is available until 21 January 2027; v25.0 until 29 July 2028:
# https://developers.facebook.com/docs/graph-api/changelog/versions/
GRAPH_VERSION = "v25.0"
REAUTH_CODES = {190, 102, 10}  # invalid/expired token, session, app lacks permission
RATE_LIMIT_CODES = {4, 17, 32, 613}
DUPLICATE_CODE = 506
MAX_PAGES_OF_ACCOUNTS = 20
# GET /{object-id}/comments: "To get all comments that can be returned depending on your
# permissions, set the filter parameter to stream or use the order field"; comment ids of a
# Page post need the MODERATE task on the Page; "Page-owned comments and replies — For any
# comments or replies owned by (on) a Page, you must use a Page access token if you want User
# information to be included in the response":
# https://developers.facebook.com/docs/graph-api/reference/object/comments
# https://developers.facebook.com/docs/graph-api/reference/comment/
COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id},is_hidden"
COMMENT_PARAMS = {"fields": COMMENT_FIELDS, "filter": "stream",
                  "order": "reverse_chronological", "limit": "100"}
# "hide and unhide comments on a Page Post via the Graph API: POST /{comment_id}?is_hidden=true
# to hide, POST /{comment_id}?is_hidden=false to unhide":
# https://developers.facebook.com/docs/graph-api/changelog/version2.2
# Reading comments needs pages_read_engagement (asked already); answering and hiding them,
# pages_manage_engagement (a Page linked before it was asked for must be relinked).
ENGAGEMENT_SCOPE = "pages_manage_engagement"


def post_url(post_id: str) -> str:
    return f"https://www.facebook.com/{post_id}"


def classify_response(response: requests.Response) -> NetworkError:
    error: dict[str, Any] = response_json(response).get("error") or {}
    if not isinstance(error, dict):
        error = {"message": str(error)}
    code = error.get("code")
    subcode = error.get("error_subcode")
    # The subcode says why a token died (460 password changed, 463 expired, 467 invalid):
    # https://developers.facebook.com/docs/graph-api/guides/error-handling
    detail = f"code {code}, subcode {subcode}" if subcode else f"code {code}"
    message = f"Facebook: {error.get('message') or response.reason} ({detail})"
    status = response.status_code
    if code in REAUTH_CODES or (isinstance(code, int) and 200 <= code <= 299):
        return ReauthNeeded(message, status=status)
    if code == DUPLICATE_CODE:
        return Duplicate(message, status=status)
    if code in RATE_LIMIT_CODES:
        return NotSent(message, retry_after=retry_after_from(response), status=status)
    if code == 368:
        return PermanentFailure(f"{message}: Facebook blocked the content", status=status)
    if error.get("is_transient") or code in (1, 2):
        return OutcomeUnknown(message, status=status)
    return classify_status(response, message)


class FacebookAdapter(NetworkAdapter):
    name = "facebook"
    label = "Facebook"
    char_limit = 63206
    rejects_duplicates_by_default = True
    uses_pkce = False
    supports_refresh = False
    supports_revoke = True
    token_auth = "body"
    defaults = NetworkConfig(
        auth_url=f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth",
        token_url=f"https://graph.facebook.com/{GRAPH_VERSION}/oauth/access_token",
        api_base=f"https://graph.facebook.com/{GRAPH_VERSION}",
        scopes=("pages_manage_posts", "pages_read_engagement", "pages_show_list",
                ENGAGEMENT_SCOPE),
    )
    supports_comments = True
    supports_hide = True

    def render_text(self, text: str, link_url: str | None = None, *,
                    with_media: bool = False) -> str:
        # A post carries one attachment: with an image the link cannot be a card, so it goes
        # at the end of the text (where the network makes it clickable), and counts there.
        return text_with_link(text, link_url) if with_media else text

    def classify_response(self, response: requests.Response) -> NetworkError:
        return classify_response(response)

    def _proof(self, token: TokenSet) -> dict[str, str]:
        """appsecret_proof: proves the call comes from the app that holds the secret."""
        if not self.config.client_secret:
            return {}
        digest = hmac.new(
            self.config.client_secret.encode(), token.access_token.encode(), hashlib.sha256
        ).hexdigest()
        return {"appsecret_proof": digest}

    def exchange_code(self, code: str, code_verifier: str | None = None) -> TokenSet:
        return self._long_lived(super().exchange_code(code, code_verifier))

    def complete_authorization(
        self, authorization_response: str, state: str, code_verifier: str | None = None
    ) -> TokenSet:
        return self._long_lived(
            super().complete_authorization(authorization_response, state, code_verifier)
        )

    def _long_lived(self, short: TokenSet) -> TokenSet:
        """Trade the short-lived user token for a ~60-day one (its Page tokens never expire)."""
        try:
            response = self._api(
                "GET",
                self._url("/oauth/access_token"),
                None,
                params={
                    "grant_type": "fb_exchange_token",
                    "client_id": self.config.client_id,
                    "client_secret": self.config.client_secret,
                    "fb_exchange_token": short.access_token,
                },
            )
        except (PermanentFailure, ReauthNeeded) as exc:
            raise AuthorizationFailed(exc.message, status=exc.status) from exc
        return TokenSet.from_oauth({"scope": short.scope, **response.json()})

    def fetch_profile(self, token: TokenSet) -> Profile:
        """The user, with the Pages they manage as accounts (each with its Page token)."""
        me = self._api(
            "GET",
            self._url("/me"),
            token,
            params={"fields": "id,name,link,picture{url}", **self._proof(token)},
        ).json()
        accounts: list[Account] = []
        url: str | None = self._url("/me/accounts")
        params: dict[str, str] | None = {
            "fields": "id,name,access_token,link,picture{url}",
            "limit": "100",
            **self._proof(token),
        }
        for _ in range(MAX_PAGES_OF_ACCOUNTS):
            if not url:
                break
            data = self._api("GET", url, token, params=params).json()
            for page in data.get("data", []):
                if not page.get("access_token"):
                    continue  # the user cannot post as this Page
                accounts.append(
                    Account(
                        external_id=str(page["id"]),
                        name=page.get("name") or str(page["id"]),
                        profile_url=page.get("link") or post_url(str(page["id"])),
                        picture_url=_picture(page),
                        token=TokenSet(access_token=page["access_token"], scope=token.scope),
                        grantor_id=str(me["id"]),
                    )
                )
            url = (data.get("paging") or {}).get("next")
            params = None  # the next URL carries every parameter
        return Profile(
            external_id=str(me["id"]),
            name=me.get("name") or str(me["id"]),
            profile_url=me.get("link"),
            picture_url=_picture(me),
            accounts=tuple(accounts),
        )

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
        """Post to the Page. ``token`` must be that Page's token (``Account.token``).

        Without media: ``POST /{page-id}/feed`` with ``message`` and ``link``. With an image:
        ``POST /{page-id}/photos`` with ``message`` and the bytes as multipart ``source``; a
        published photo is itself the Page post and the answer is ``{"id": <photo id>,
        "post_id": <page post id>}``. There is no separate upload step on Facebook: that one
        call creates the post, so its failures are classified like any post (a 5xx there is
        OutcomeUnknown, not NotSent).
        """
        if media is not None:
            return self._publish_photo(token, account_external_id, text, link_url, media)
        data = {"message": text}
        if link_url:
            data["link"] = link_url
        response = self._api(
            "POST",
            self._url(f"/{account_external_id}/feed"),
            token,
            params=self._proof(token),
            data=data,
        )
        post_id = response_json(response).get("id")
        if not post_id:
            raise OutcomeUnknown("Facebook accepted the post without returning an id")
        return PublishResult(post_id=str(post_id), post_url=post_url(str(post_id)))

    def _publish_photo(
        self, token: TokenSet, page_id: str, text: str, link_url: str | None, media: Media
    ) -> PublishResult:
        message = self.render_text(text, link_url, with_media=True)
        response = self._api(
            "POST",
            self._url(f"/{page_id}/photos"),
            token,
            params=self._proof(token),
            data={"message": message},
            files={"source": (media.filename, media.data, media.mime_type)},
        )
        body = response_json(response)
        post_id = body.get("post_id") or body.get("id")
        if not post_id:
            raise OutcomeUnknown("Facebook accepted the photo without returning an id")
        return PublishResult(post_id=str(post_id), post_url=post_url(str(post_id)))

    def list_comments(self, token: TokenSet, post_id: str, *,
                      since: str | None = None) -> CommentPage:
        """The Page post's comments and replies created since the cursor (a time), newest
        first; ``token`` is the Page token."""
        def fetch(url: str, params: dict[str, str] | None) -> dict[str, Any]:
            return response_json(self._api("GET", url, token, params=params))

        return read_graph_comments(fetch, self._url(f"/{post_id}/comments"),
                                   {**COMMENT_PARAMS, **self._proof(token)}, since)

    def reply(self, token: TokenSet, account_external_id: str, post_id: str,
              comment_id: str, text: str) -> str:
        """``POST /{comment-id}/comments`` with ``message``, as the Page: ``{"id": ...}``."""
        response = self._api("POST", self._url(f"/{comment_id}/comments"), token,
                             params=self._proof(token), data={"message": text})
        reply_id = response_json(response).get("id")
        if not reply_id:
            raise OutcomeUnknown("Facebook accepted the reply without returning an id")
        return str(reply_id)

    def hide_comment(self, token: TokenSet, comment_id: str, *, hidden: bool = True) -> None:
        """``POST /{comment-id}`` with ``is_hidden``: the comment stays visible to its author
        (and their friends) only."""
        response = self._api("POST", self._url(f"/{comment_id}"), token,
                             params=self._proof(token),
                             data={"is_hidden": "true" if hidden else "false"})
        if response_json(response).get("success") is False:
            raise OutcomeUnknown("Facebook answered the hide without success")

    def revoke(self, token: TokenSet, grantor_id: str | None = None) -> bool:
        """Remove the app from the user ``grantor_id``: every Page they linked loses access.

        ``token`` (a Page token) cannot do this; the app access token (``{app-id}|{secret}``)
        can, sent in the header like every other token so the secret stays out of URLs.
        """
        self._require_credentials()
        if not grantor_id:
            raise ValueError("Facebook revocation needs the id of the user who linked the Page")
        app_token = TokenSet(access_token=f"{self.config.client_id}|{self.config.client_secret}")
        response = self._api(
            "DELETE",
            self._url(f"/{grantor_id}/permissions"),
            app_token,
            params=self._proof(app_token),
        )
        if response_json(response).get("success") is False:
            raise OutcomeUnknown("Facebook answered the revocation without success")
        return True


def _picture(node: dict[str, Any]) -> str | None:
    picture = node.get("picture")
    if isinstance(picture, dict):
        return (picture.get("data") or {}).get("url")
    return picture if isinstance(picture, str) else None
