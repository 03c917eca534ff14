"""LinkedIn: member posts through the versioned Posts API (``/rest/posts``).

Tokens last 60 days and, outside LinkedIn's partner programme, come without a refresh
token: ``refresh`` then raises ``ReauthNeeded`` and the advisor relinks. There is no way to
find a post by our key, so after ``OutcomeUnknown`` the caller relies on LinkedIn's
duplicate rejection (422 ``DUPLICATE_POST``) when it resends the identical text.

Images go through the Images API first (initialize, then PUT the bytes to the upload URL);
the post then names the image URN. A resend after ``OutcomeUnknown`` uploads the image again
(a new URN) with the same commentary, which is what LinkedIn's duplicate check compares.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests

from advisor_hub.connectors.rules import LINKEDIN_DEFAULT_VERSION

from .base import NetworkAdapter, NetworkConfig, text_with_link
from .errors import (
    Duplicate,
    NetworkError,
    NotSent,
    OutcomeUnknown,
    PermanentFailure,
    ReauthNeeded,
    classify_status,
    response_json,
)
from .media import Media
from .tokens import Account, Profile, PublishResult, TokenSet

# A version LinkedIn serves (monthly, about a year each): the rule, the dates and the sources
# are in advisor_hub/connectors/rules.py; LINKEDIN_API_VERSION overrides it.
DEFAULT_VERSION = LINKEDIN_DEFAULT_VERSION
REAUTH_SERVICE_CODES = {65600, 65601, 65602}  # invalid, revoked, expired access token

# Characters the "little" text format reserves; a backslash makes them plain text.
# Unescaped, LinkedIn may silently cut the post at the first one.
_LITTLE_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")
_DUPLICATE_URN = re.compile(r"urn:li:(?:share|ugcPost):\d+")


def escape_little(text: str) -> str:
    """Escape ``text`` so LinkedIn shows it verbatim in a post's ``commentary``."""
    return _LITTLE_RESERVED.sub(r"\\\1", text)


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


def classify_response(response: requests.Response) -> NetworkError:
    body = response_json(response)
    message = str(body.get("message") or response.reason or "")
    service_code = body.get("serviceErrorCode")
    if response.status_code == 401 or service_code in REAUTH_SERVICE_CODES:
        return ReauthNeeded(f"LinkedIn refused the token: {message}", status=response.status_code)
    if response.status_code == 422 and (
        "DUPLICATE_POST" in response.text or "duplicate" in message.lower()
    ):
        match = _DUPLICATE_URN.search(response.text)
        urn = match.group(0) if match else None
        return Duplicate(
            f"LinkedIn: duplicate post: {message}",
            existing_post_id=urn,
            existing_post_url=post_url(urn) if urn else None,
            status=422,
        )
    if response.status_code == 426:
        return PermanentFailure(
            "LinkedIn no longer supports the LinkedIn-Version this app sends; "
            f"update the configured API version ({message})",
            status=426,
        )
    return classify_status(response, f"LinkedIn: {message}")


# Comments on a member's posts are read with r_member_social, "Restricted ... This permission is
# granted to select developers only" (Comments API, Permissions):
# https://learn.microsoft.com/en-us/linkedin/marketing/integrations/community-management/shares/comments-api
# So the adapter does not read comments (``supports_comments`` stays False), whatever
# LINKEDIN_CAPTURE_COMMENTS says: the flag only records that the firm has partner access.
COMMENTS_PERMISSION = "r_member_social"


class LinkedInAdapter(NetworkAdapter):
    name = "linkedin"
    label = "LinkedIn"
    char_limit = 3000
    rejects_duplicates_by_default = True
    uses_pkce = False
    supports_refresh = True  # only when LinkedIn issued a refresh token
    supports_revoke = True
    token_auth = "body"
    defaults = NetworkConfig(
        auth_url="https://www.linkedin.com/oauth/v2/authorization",
        token_url="https://www.linkedin.com/oauth/v2/accessToken",
        revoke_url="https://www.linkedin.com/oauth/v2/revoke",
        api_base="https://api.linkedin.com",
        scopes=("openid", "profile", "w_member_social"),
        api_version=DEFAULT_VERSION,
    )

    def render_text(self, text: str, link_url: str | None = None, *,
                    with_media: bool = False) -> str:
        # A post carries one attachment: with an image the link cannot be a card, so it goes
        # at the end of the text (where the network makes it clickable), and counts there.
        return text_with_link(text, link_url) if with_media else text

    def classify_response(self, response: requests.Response) -> NetworkError:
        return classify_response(response)

    def _rest_headers(self) -> dict[str, str]:
        return {
            "LinkedIn-Version": self.config.api_version,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def fetch_profile(self, token: TokenSet) -> Profile:
        data = self._api("GET", self._url("/v2/userinfo"), token).json()
        member_id = str(data["sub"])
        name = data.get("name") or " ".join(
            p for p in (data.get("given_name"), data.get("family_name")) if p
        )
        picture = data.get("picture")
        account = Account(external_id=member_id, name=name, picture_url=picture)
        return Profile(external_id=member_id, name=name, picture_url=picture, accounts=(account,))

    @staticmethod
    def author_urn(account_external_id: str) -> str:
        if account_external_id.startswith("urn:li:"):
            return account_external_id
        return f"urn:li:person:{account_external_id}"

    def build_post(
        self,
        account_external_id: str,
        text: str,
        link_url: str | None,
        image_urn: str | None = None,
    ) -> dict:
        text = self.render_text(text, link_url, with_media=image_urn is not None)
        body: dict = {
            "author": self.author_urn(account_external_id),
            "commentary": escape_little(text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if image_urn:
            # Posts API single-image content: {"media": {"id": "urn:li:image:..."}}.
            body["content"] = {"media": {"id": image_urn}}
        elif link_url:
            # LinkedIn does not scrape the page; the title is required, so use the URL.
            body["content"] = {"article": {"source": link_url, "title": link_url}}
        return body

    def upload_image(self, token: TokenSet, account_external_id: str, media: Media) -> str:
        """Images API: initialize an upload owned by the author, PUT the bytes; the image URN.

        ``POST /rest/images?action=initializeUpload`` with
        ``{"initializeUploadRequest": {"owner": <author urn>}}`` answers
        ``{"value": {"uploadUrl": ..., "image": "urn:li:image:..."}}``; the bytes then go in
        a ``PUT`` to ``uploadUrl``. Failures here are never OutcomeUnknown (``_upload``).
        """
        response = self._upload(
            "POST",
            self._url("/rest/images?action=initializeUpload"),
            token,
            headers=self._rest_headers(),
            json={"initializeUploadRequest": {"owner": self.author_urn(account_external_id)}},
        )
        value = response_json(response).get("value") or {}
        upload_url, image_urn = value.get("uploadUrl"), value.get("image")
        if not isinstance(upload_url, str) or not isinstance(image_urn, str):
            raise NotSent(
                "LinkedIn answered the image upload request without uploadUrl and image",
                status=response.status_code,
            )
        self._upload(
            "PUT",
            upload_url,
            token if self._sends_token_to(upload_url) else None,
            headers={"Content-Type": media.mime_type},
            data=media.data,
        )
        return image_urn

    def _sends_token_to(self, url: str) -> bool:
        """The bearer token goes only to LinkedIn's hosts (or the configured API host)."""
        host = (urlsplit(url).hostname or "").lower()
        api_host = (urlsplit(self.config.api_base).hostname or "").lower()
        return host == api_host or host == "linkedin.com" or host.endswith(".linkedin.com")

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
        image_urn = self.upload_image(token, account_external_id, media) if media else None
        response = self._api(
            "POST",
            self._url("/rest/posts"),
            token,
            headers=self._rest_headers(),
            json=self.build_post(account_external_id, text, link_url, image_urn),
        )
        urn = response.headers.get("x-restli-id") or response_json(response).get("id")
        if not urn:
            raise OutcomeUnknown(
                f"LinkedIn accepted the post ({response.status_code}) without an x-restli-id"
            )
        return PublishResult(post_id=urn, post_url=post_url(urn))

    def revoke(self, token: TokenSet, grantor_id: str | None = None) -> bool:
        return self._revoke_rfc7009(
            TokenSet(access_token=token.access_token, expires_at=token.expires_at)
        )
