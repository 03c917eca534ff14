"""LinkedIn: member posts through the versioned Posts API (``/rest/posts``).

Tokens last 60 days and, outside LinkedIn's partner programme, come without a refresh
token: ``refresh`` then raises ``ReauthNeeded`` and the advisor relinks. There is no way to
find a post by our key, so after ``OutcomeUnknown`` the caller relies on LinkedIn's
duplicate rejection (422 ``DUPLICATE_POST``) when it resends the identical text.
"""

from __future__ import annotations

import re

import requests

from .base import NetworkAdapter, NetworkConfig
from .errors import (
    Duplicate,
    NetworkError,
    OutcomeUnknown,
    PermanentFailure,
    ReauthNeeded,
    classify_status,
    response_json,
)
from .tokens import Account, Profile, PublishResult, TokenSet

DEFAULT_VERSION = "202411"
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


class LinkedInAdapter(NetworkAdapter):
    name = "linkedin"
    label = "LinkedIn"
    char_limit = 3000
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

    def build_post(self, account_external_id: str, text: str, link_url: str | None) -> dict:
        author = (
            account_external_id
            if account_external_id.startswith("urn:li:")
            else f"urn:li:person:{account_external_id}"
        )
        body: dict = {
            "author": author,
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
        if link_url:
            # LinkedIn does not scrape the page; the title is required, so use the URL.
            body["content"] = {"article": {"source": link_url, "title": link_url}}
        return body

    def publish(
        self,
        token: TokenSet,
        account_external_id: str,
        text: str,
        link_url: str | None,
        idempotency_key: str,
    ) -> PublishResult:
        response = self._api(
            "POST",
            self._url("/rest/posts"),
            token,
            headers=self._rest_headers(),
            json=self.build_post(account_external_id, text, link_url),
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
