"""Network and OAuth errors on French pages are French (issue 14, point 5): the network's raw
words (English) are never shown; the reader gets the connectors' advice in their language."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import pytest
import requests
from flask_babel import force_locale

from advisor_hub.publishing.reasons import reason_text, reason_texts


def test_a_failed_link_is_explained_in_french(client, auth, factory, fakes, sandbox) -> None:
    advisor = factory.user("advisor", branch=factory.branch(), language="fr")
    auth.login(advisor)
    start = client.get("/publishing/accounts/link/sandbox")
    consent = requests.get(start.location.replace("state=", "state=x") + "&auto=1",
                           allow_redirects=False, timeout=5)
    callback = urlsplit(consent.headers["Location"])
    page = html.unescape(client.get(f"{callback.path}?{callback.query}",
                                    follow_redirects=True).get_data(as_text=True))
    assert "La connexion a échoué : " in page
    assert "Linking failed" not in page
    assert "state" not in page.split('role="alert"')[1].split("</div>")[0].lower()


@pytest.mark.parametrize(("raw", "kind"), [
    ("LinkedIn returned 422: text is too long (3500 characters)", "permanent"),
    ("HTTP 503 Service Unavailable", "not_sent"),
    ("invalid_grant: the refresh token was revoked", "reauth"),
])
def test_raw_network_words_become_advice_in_each_language(app, raw, kind) -> None:
    with app.test_request_context():
        with force_locale("fr"):
            french = reason_text("linkedin", raw, kind)
        with force_locale("en"):
            english = reason_text("linkedin", raw, kind)
        assert raw not in french and raw not in english
        assert french != english
        assert reason_texts("linkedin", raw, kind) == {"en": english, "fr": french}


def test_own_reasons_are_translated(app) -> None:
    with app.test_request_context(), force_locale("fr"):
        assert reason_text("x", "The account is no longer linked.") != \
            "The account is no longer linked."
