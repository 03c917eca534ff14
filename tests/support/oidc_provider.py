"""A small, standards-conformant OpenID Connect provider for the tests, served over real
HTTP on a loopback port: discovery, JWKS (its own RSA keys, rotatable), an authorize page
(a "sign in as" form, or auto-approval of the chosen test user), a token endpoint that
checks client authentication, the redirect URI, single use of codes and PKCE (S256), and
an end-session endpoint.

Knobs let a test make it misbehave the way an attacker or a broken provider would
(``tamper``): a forged signature, another audience, an expired token, a replayed nonce,
another issuer, an HS256 token signed with the client secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, render_template_string, request
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "advisor-hub"
CLIENT_SECRET = "test-client-secret-0123456789abcdef"

AUTHORIZE_PAGE = """<!doctype html><html lang="en"><title>Test identity provider</title>
<h1>Test identity provider</h1>
{% if error %}<p role="alert">{{ error }}</p>{% endif %}
<form method="post">
{% for name, value in params.items() %}
<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
<p><label>Sign in as <input name="login" list="logins" autocomplete="username"></label>
<datalist id="logins">{% for login in users %}<option value="{{ login }}">{% endfor %}
</datalist></p>
<p><label>Password <input type="password" name="password" autocomplete="current-password">
</label></p>
<button type="submit">Sign in</button>
</form></html>"""


@dataclass
class TestProvider:
    __test__ = False  # not a test class (pytest collects ``Test*`` names)

    redirect_uris: set[str] = field(default_factory=lambda: {"http://localhost/sso/callback"})
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    auto_login: str | None = None  # approve at once as this user (no page)
    # Users with a password must give it on the sign-in page (the others sign in by name).
    passwords: dict[str, str] = field(default_factory=dict)
    tamper: str | None = None
    url: str = ""
    keys: list[RSAKey] = field(default_factory=list)
    published_keys: list[RSAKey] | None = None  # what /jwks serves, if not ``keys``
    discovery_overrides: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    issued_nonces: list[str] = field(default_factory=list)
    jwks_requests: int = 0
    token_requests: int = 0
    token_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rotate_key()

    # --- knobs -----------------------------------------------------------------------------

    def rotate_key(self) -> RSAKey:
        """A new signing key with a new kid; the old one leaves the JWKS."""
        key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8),
                                                    "use": "sig", "alg": "RS256"})
        self.keys = [key]
        return key

    def add_user(self, login: str, **claims: Any) -> dict[str, Any]:
        self.users[login] = {"sub": f"sub-{login}", "email": f"{login}@bank.example",
                             "email_verified": True, "given_name": login.title(),
                             "family_name": "Directory", **claims}
        return self.users[login]

    @property
    def issuer(self) -> str:
        return self.url

    # --- tokens ------------------------------------------------------------------------------

    def id_token(self, login: str, nonce: str | None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now,
                                  "exp": now + 300, "auth_time": now, **self.users[login]}
        if nonce is not None:
            claims["nonce"] = nonce
        if self.tamper == "aud":
            claims["aud"] = "another-client"
        elif self.tamper == "expired":
            claims.update(iat=now - 7200, exp=now - 3600)
        elif self.tamper == "iss":
            claims["iss"] = "https://evil.example"
        elif self.tamper == "nonce" and len(self.issued_nonces) > 1:
            claims["nonce"] = self.issued_nonces[-2]  # the one of an earlier sign-in
        if self.tamper == "hs256":
            return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(CLIENT_SECRET),
                              algorithms=["HS256"])
        key = self.keys[-1]
        token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        if self.tamper == "signature":
            # The payload changed after signing: an attacker grants themselves the IT group.
            head, _body, signature = token.split(".")
            body = base64.urlsafe_b64encode(json.dumps({**claims, "groups": ["it"]}).encode())
            token = ".".join([head, body.rstrip(b"=").decode(), signature])
        return token

    # --- the HTTP side -------------------------------------------------------------------------

    def wsgi(self) -> Flask:
        app = Flask("test_oidc_provider")

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return jsonify({
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/jwks",
                "end_session_endpoint": f"{self.url}/logout",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256", "HS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                          "client_secret_post"],
                "scopes_supported": ["openid", "profile", "email"],
                **self.discovery_overrides,
            })

        @app.get("/jwks")
        def jwks() -> Any:
            self.jwks_requests += 1
            keys = self.keys if self.published_keys is None else self.published_keys
            return jsonify({"keys": [k.as_dict(private=False) for k in keys]})

        def _check_authorize(params: dict[str, str]) -> None:
            if (params.get("client_id") != CLIENT_ID
                    or params.get("redirect_uri") not in self.redirect_uris
                    or params.get("response_type") != "code"
                    or "openid" not in params.get("scope", "").split()
                    or params.get("code_challenge_method") != "S256"
                    or not params.get("code_challenge") or not params.get("state")):
                abort(400)

        def _approve(params: dict[str, str], login: str) -> Any:
            if login not in self.users:
                abort(403)
            code = secrets.token_urlsafe(24)
            nonce = params.get("nonce")
            if nonce:
                self.issued_nonces.append(nonce)
            self.codes[code] = {"login": login, "nonce": nonce,
                                "redirect_uri": params["redirect_uri"],
                                "challenge": params["code_challenge"]}
            query = urlencode({"code": code, "state": params["state"]})
            return redirect(f"{params['redirect_uri']}?{query}")

        @app.get("/authorize")
        def authorize() -> Any:
            params = request.args.to_dict()
            _check_authorize(params)
            if self.auto_login:
                return _approve(params, self.auto_login)
            return render_template_string(AUTHORIZE_PAGE, params=params, users=self.users,
                                          error=None)

        @app.post("/authorize")
        def authorize_submit() -> Any:
            params = request.form.to_dict()
            login = params.pop("login", "")
            password = params.pop("password", "")
            _check_authorize(params)
            wanted = self.passwords.get(login)
            if wanted is not None and not hmac.compare_digest(password, wanted):
                return render_template_string(AUTHORIZE_PAGE, params=params, users=self.users,
                                              error="Wrong user name or password."), 401
            return _approve(params, login)

        def _error(reason: str) -> Any:
            self.token_errors.append(reason)
            return jsonify({"error": "invalid_grant", "error_description": reason}), 400

        @app.post("/token")
        def token() -> Any:
            self.token_requests += 1
            auth = request.authorization
            client_id = auth.username if auth else request.form.get("client_id")
            secret = auth.password if auth else request.form.get("client_secret")
            if client_id != CLIENT_ID or not hmac.compare_digest(secret or "", CLIENT_SECRET):
                return jsonify({"error": "invalid_client"}), 401
            if request.form.get("grant_type") != "authorization_code":
                return _error("grant_type")
            grant = self.codes.pop(request.form.get("code", ""), None)
            if grant is None:
                return _error("unknown or used code")
            if request.form.get("redirect_uri") != grant["redirect_uri"]:
                return _error("redirect_uri")
            verifier = request.form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(
                hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if not verifier or not hmac.compare_digest(challenge, grant["challenge"]):
                return _error("PKCE verification failed")
            return jsonify({"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                            "expires_in": 300,
                            "id_token": self.id_token(grant["login"], grant["nonce"])})

        @app.get("/logout")
        def logout() -> Any:
            return "signed out of the test provider"

        return app


@dataclass
class RunningProvider:
    provider: TestProvider
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


def serve(provider: TestProvider) -> RunningProvider:
    """Serve ``provider`` on a random loopback port in a thread (``provider.url`` is set)."""
    server = make_server("127.0.0.1", 0, provider.wsgi(), threaded=True)
    provider.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return RunningProvider(provider, server, thread)
