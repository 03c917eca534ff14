"""The redirect after login or a language change only ever goes to a path of this site."""

from __future__ import annotations

import pytest

from advisor_hub.security import is_safe_next
from tests.conftest import PASSWORD

SAFE = ["/", "/library/", "/library/?q=a", "/library/?q=a+b&page=2", "/review/12#comment",
        "/library/?q=100%25", "/library/?q=%C3%A9pargne", "/épargne"]
UNSAFE = [
    None, "", "library/", "https://evil.example/", "http:/evil.example", "javascript:alert(1)",
    "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
    "/\\/evil.example", "/library\\..\\..\\", "/\t/evil.example", "/\r\n/evil.example",
    "/library/\r\nSet-Cookie: x=1", "/library/\n", "/\x00/evil", "/\x7f", " /library/",
    "/%2F/evil.example", "/%2f%2fevil.example", "/%5Cevil.example", "/%5cevil.example",
    "/%09/evil.example", "/%0d%0aSet-Cookie:x=1", "/%252F/evil.example",
    "/%25252F/evil.example", "/%2525252F", "/" + "a" * 3000,
]


@pytest.mark.parametrize("target", SAFE)
def test_local_paths_are_followed(target):
    assert is_safe_next(target)


@pytest.mark.parametrize("target", UNSAFE)
def test_everything_else_is_refused(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/library/?q=a", "/\\evil.example", "/%0d%0aX:1",
                                    "/\r\nSet-Cookie: x=1", "//evil.example"])
def test_login_redirect(client, db_session, factory, target):
    user = factory.user("advisor")
    db_session.flush()
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert location.endswith(target if is_safe_next(target) else "/")
    assert "\r" not in location and "\n" not in location


@pytest.mark.parametrize("target", ["/\r\n/evil", "/%0d%0aX:1", "/\\evil.example"])
def test_login_page_with_a_hostile_next_does_not_fail(client, target):
    assert client.get("/login", query_string={"next": target}).status_code == 200


def test_language_switch_refuses_a_hostile_next(client):
    response = client.post("/language", data={"language": "fr", "next": "/\\evil.example"})
    assert response.status_code in (302, 400)
    assert "evil" not in response.headers.get("Location", "")
