"""Client for the local Sandbox network (``advisor_hub.sandbox``).

Point it at wherever the Sandbox is served (``SANDBOX_API_BASE``, or where the portal mounts
it: ``publishing.connect.sandbox_base``), or a test server: ``sandbox_config(<that URL>)``;
the OAuth URLs are derived from ``api_base`` unless given. There is no default address: a
Sandbox with none is not configured (no code or secret is ever sent to a guessed host).
Unlike the real networks the Sandbox looks posts up by idempotency key, and promises that a
503 means nothing was done.

Comments play Facebook's Graph API shapes (``advisor_hub.sandbox.comments``), under ``/api``.

An image travels inline with the post (base64 in the JSON body, with its SHA-256, which the
Sandbox checks): one request, so there is no separate upload step that could fail alone.
"""

from __future__ import annotations

import base64
from dataclasses import replace

import requests

from .base import NetworkAdapter, NetworkConfig
from .comments import CommentPage, read_graph_comments
from .errors import Duplicate, NetworkError, OutcomeUnknown, classify_status, response_json
from .media import Media
from .tokens import Account, Profile, PublishResult, TokenSet

DEFAULT_CLIENT_ID = "advisor-hub"
DEFAULT_CLIENT_SECRET = "sandbox-secret"
CHAR_LIMIT = 5000


def sandbox_config(
    base_url: str,
    *,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
    redirect_uri: str | None = None,
    **kwargs,
) -> NetworkConfig:
    return NetworkConfig(
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        api_base=base_url.rstrip("/"),
        **kwargs,
    )


def classify_response(response: requests.Response) -> NetworkError:
    body = response_json(response)
    message = f"Sandbox: {body.get('error_description') or body.get('error') or response.reason}"
    if response.status_code == 409 and body.get("error") == "duplicate":
        return Duplicate(
            message,
            existing_post_id=body.get("id"),
            existing_post_url=body.get("url"),
            status=409,
        )
    return classify_status(response, message, unavailable_means_not_sent=True)


class SandboxAdapter(NetworkAdapter):
    name = "sandbox"
    label = "Sandbox"
    char_limit = CHAR_LIMIT
    rejects_duplicates_by_default = True
    uses_pkce = True
    supports_refresh = True
    supports_lookup = True
    supports_revoke = True
    supports_comments = True
    supports_hide = True
    token_auth = "basic"
    defaults = NetworkConfig(scopes=("profile", "posts.write"))

    def __init__(self, config: NetworkConfig, session: requests.Session | None = None) -> None:
        if not config.api_base:  # nowhere to send anything: not configured (fail closed)
            config = replace(config, client_id=None, client_secret=None)
            super().__init__(config, session)
            return
        base = config.api_base.rstrip("/")
        config = replace(
            config,
            api_base=base,
            auth_url=config.auth_url or f"{base}/oauth/authorize",
            token_url=config.token_url or f"{base}/oauth/token",
            revoke_url=config.revoke_url or f"{base}/oauth/revoke",
        )
        super().__init__(config, session)

    def classify_response(self, response: requests.Response) -> NetworkError:
        return classify_response(response)

    def fetch_profile(self, token: TokenSet) -> Profile:
        data = self._api("GET", self._url("/api/me"), token).json()
        account = Account(
            external_id=data["id"],
            name=data["name"],
            profile_url=data.get("profile_url"),
            picture_url=data.get("picture_url"),
        )
        return Profile(
            external_id=account.external_id,
            name=account.name,
            profile_url=account.profile_url,
            picture_url=account.picture_url,
            accounts=(account,),
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
        body: dict = {
            "account_id": account_external_id,
            "text": text,
            "link": link_url,
            "idempotency_key": idempotency_key,
        }
        if media is not None:
            body["image"] = {
                "data": base64.b64encode(media.data).decode("ascii"),
                "mime_type": media.mime_type,
                "sha256": media.sha256,
            }
        headers = {"Idempotency-Key": idempotency_key}
        if self.config.api_version:  # plays LinkedIn's version header (a retired one: 426)
            headers["Sandbox-Version"] = self.config.api_version
        response = self._api(
            "POST",
            self._url("/api/posts"),
            token,
            headers=headers,
            json=body,
        )
        data = response_json(response)
        if not data.get("id"):
            raise OutcomeUnknown("Sandbox accepted the post without returning an id")
        return PublishResult(post_id=str(data["id"]), post_url=data.get("url"))

    def lookup(
        self, token: TokenSet, account_external_id: str, idempotency_key: str, text: str
    ) -> PublishResult | None:
        data = self._api(
            "GET",
            self._url("/api/posts"),
            token,
            params={"account_id": account_external_id, "idempotency_key": idempotency_key},
        ).json()
        posts = data.get("posts") or []
        if not posts:
            return None
        return PublishResult(post_id=str(posts[0]["id"]), post_url=posts[0].get("url"))

    def list_comments(self, token: TokenSet, post_id: str, *,
                      since: str | None = None) -> CommentPage:
        def fetch(url: str, params: dict[str, str] | None) -> dict:
            return response_json(self._api("GET", url, token, params=params))

        return read_graph_comments(
            fetch, self._url(f"/api/posts/{post_id}/comments"),
            {"fields": "id,message,created_time,from,parent,is_hidden", "filter": "stream",
             "order": "reverse_chronological", "limit": "100"}, since)

    def reply(self, token: TokenSet, account_external_id: str, post_id: str,
              comment_id: str, text: str) -> str:
        response = self._api("POST", self._url(f"/api/comments/{comment_id}/comments"), token,
                             data={"message": text})
        reply_id = response_json(response).get("id")
        if not reply_id:
            raise OutcomeUnknown("Sandbox accepted the reply without returning an id")
        return str(reply_id)

    def hide_comment(self, token: TokenSet, comment_id: str, *, hidden: bool = True) -> None:
        self._api("POST", self._url(f"/api/comments/{comment_id}"), token,
                  data={"is_hidden": "true" if hidden else "false"})

    def revoke(self, token: TokenSet, grantor_id: str | None = None) -> bool:
        return self._revoke_rfc7009(token)
