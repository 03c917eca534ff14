"""The Sandbox's pages: Jinja templates (autoescaped), the portal's security headers, and
usable on a 390px phone; the consent form works in a real browser under that CSP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from advisor_hub.networks import new_code_verifier, new_state
from advisor_hub.networks.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from advisor_hub.sandbox import SandboxServer, create_sandbox_app, get_state
from advisor_hub.sandbox.comments import bp as comments_bp
from advisor_hub.sandbox.views import bp
from advisor_hub.security import CONTENT_SECURITY_POLICY

AUTHORIZE = ("/oauth/authorize?response_type=code&client_id=advisor-hub"
             "&redirect_uri=http://127.0.0.1:9/cb&state=s&code_challenge=c"
             "&code_challenge_method=S256")
HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


@pytest.fixture
def client():
    app = create_sandbox_app()
    state = get_state(app)
    profile = state.profile_for_login("alice")
    state.create_post(profile.id, HOSTILE, "https://bank.example/" + "long-path/" * 30, "k-1")
    return app.test_client()


def test_the_sandbox_is_a_blueprint_app():
    app = create_sandbox_app()
    assert app.blueprints == {"sandbox": bp, "sandbox_comments": comments_bp}
    assert {r.endpoint for r in app.url_map.iter_rules()} >= {
        "sandbox.index", "sandbox.authorize", "sandbox.token", "sandbox.publish",
        "sandbox.static"}


@pytest.mark.parametrize("path", ["/", "/accounts/sbx-alice", "/avatars/sbx-alice.svg",
                                  "/api/me", "/static/sandbox.css"])
def test_every_answer_has_the_portal_security_headers(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_consent_form_may_lead_back_to_the_client_only(client):
    response = client.get(AUTHORIZE)
    policy = response.headers["Content-Security-Policy"]
    assert "form-action 'self' http://127.0.0.1:9;" in policy
    assert policy.replace(" http://127.0.0.1:9", "") == CONTENT_SECURITY_POLICY
    assert '<form method="post" action="/oauth/authorize">' in response.text


def test_pages_are_autoescaped_and_mobile_ready(client):
    page = client.get("/accounts/sbx-alice").text
    assert HOSTILE not in page and "<script>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<link rel="stylesheet" href="/static/sandbox.css">' in page
    assert "<style" not in page  # the CSP allows no inline style
    post_id = get_state(client.application).posts[0].id
    assert HOSTILE not in client.get(f"/posts/{post_id}").text


def test_the_avatar_escapes_the_initials():
    app = create_sandbox_app()
    get_state(app).profiles["x"] = get_state(app).profile_for_login("alice").__class__(
        id="x", login="x", name="<b &a")
    svg = app.test_client().get("/avatars/x.svg")
    assert svg.mimetype == "image/svg+xml"
    assert "&lt;&amp;" in svg.text and "<b" not in svg.text


@pytest.mark.xdist_group("browser")
def test_consent_in_a_phone_browser_under_the_csp(chromium):
    """At 390px nothing overflows sideways; the consent form posts and follows the redirect
    to the client on another origin (``localhost`` vs ``127.0.0.1``) despite the CSP."""
    with SandboxServer() as sandbox:
        port = urlsplit(sandbox.url).port
        redirect_uri = f"http://localhost:{port}/"
        context = chromium.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.set_default_timeout(10_000)
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text)
                if "Content Security Policy" in m.text else None)
        try:
            state, verifier = new_state(), new_code_verifier()
            page.goto(f"{sandbox.url}/oauth/authorize?response_type=code"
                      f"&client_id={DEFAULT_CLIENT_ID}&redirect_uri={redirect_uri}&state={state}"
                      f"&code_challenge={verifier}&code_challenge_method=plain")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            # The stylesheet loaded under the CSP (44rem columns).
            assert page.evaluate("getComputedStyle(document.body).maxWidth") == "704px"
            page.check("input[value=bruno]")
            page.click("button[value=approve]")
            page.wait_for_url(f"{redirect_uri}?code=*")
            query = parse_qs(urlsplit(page.url).query)
            assert query["state"] == [state]
            tokens = requests.post(f"{sandbox.url}/oauth/token", data={
                "grant_type": "authorization_code", "code": query["code"][0],
                "redirect_uri": redirect_uri, "code_verifier": verifier,
                "client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}, timeout=5)
            assert tokens.status_code == 200, tokens.text
            sandbox.state.create_post("sbx-bruno", "word " * 80, "https://bank.example/"
                                      + "x" * 300, "k-1")
            page.goto(f"{sandbox.url}/accounts/sbx-bruno")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            assert violations == []
        finally:
            context.close()
