"""Bad input gets a clear message and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from advisor_hub.errors import ValidationError
from content_library import services
from content_library.models import LibraryItem
from tests.library.conftest import fields

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize("overrides,field,message", [
    ({"text": ""}, "text", "empty"),
    ({"text": "<p></p>"}, "text", "HTML is not allowed"),
    ({"text": "   "}, "text", "empty"),
    ({"title": "  "}, "title", "title is required"),
    ({"title": "t" * 201}, "title", "200"),
    ({"text": "x" * 281}, "text", "Too long for X: 281"),
    ({"text": "y" * 3001, "networks": ["linkedin"]}, "text", "LinkedIn: 3001"),
    ({"text": "z" * 63207, "networks": ["facebook"]}, "text", "Facebook"),
    ({"text": "Hi {client_first_name}"}, "text", "Unknown placeholder"),
    ({"text": "Hi {advisor_first_name}"}, "text", "allows none"),
    ({"text": "Hi {advisor_first_name", "placeholders": ["advisor_first_name"]}, "text",
     "not closed"),
    ({"placeholders": ["client_first_name"]}, "placeholders", "only personalise"),
    ({"networks": []}, "networks", "at least one network"),
    ({"networks": ["myspace"]}, "networks", "at least one network"),
    ({"link_url": "javascript:alert(1)"}, "link_url", "http"),
    ({"link_url": "ftp://example.com/x"}, "link_url", "http"),
    ({"link_url": "example.com"}, "link_url", "http"),
    ({"available_from": NOW, "expires_at": NOW - timedelta(days=1)}, "expires_at", "after"),
    ({"audience_all": False, "branch_ids": []}, "branch_ids", "branch"),
    ({"audience_all": False, "branch_ids": [987654]}, "branch_ids", "Unknown branch"),
    ({"language": "de"}, "language", "English or French"),
])
def test_bad_input_is_refused_and_changes_nothing(db_session, library, overrides, field,
                                                  message) -> None:
    before = db_session.scalar(select(func.count(LibraryItem.id)))
    with pytest.raises(ValidationError, match=message) as raised:
        services.create_item(db_session, actor=library.curator, fields=fields(**overrides))
    assert raised.value.field == field
    assert db_session.scalar(select(func.count(LibraryItem.id))) == before


def test_x_counts_every_url_as_23(db_session, library) -> None:
    url = "https://example.com/" + "a" * 200
    text = "b" * (280 - 23 - 1) + " " + url
    version = services.create_item(db_session, actor=library.curator,
                                   fields=fields(text=text, networks=["x"]))
    assert version.text == text
    with pytest.raises(ValidationError, match="X"):
        services.create_item(db_session, actor=library.curator,
                             fields=fields(text=text + " !", networks=["x"]))


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": "<script>alert(1)</script>Bad item"}, "title"),
    ({"text": "Save <i>now</i>"}, "text"),
    ({"tags": ["<em>savings</em>"]}, "tags"),
    ({"campaign": "<u>Spring</u>"}, "campaign"),
    ({"link_url": "https://example.com/?a=1&amp;b=2"}, "link_url"),
])
def test_html_is_refused_in_every_field_not_stripped(db_session, library, overrides,
                                                     field) -> None:
    before = db_session.scalar(select(func.count(LibraryItem.id)))
    with pytest.raises(ValidationError) as refused:
        services.create_item(db_session, actor=library.curator, fields=fields(**overrides))
    assert refused.value.field == field
    assert "HTML" in str(refused.value)
    assert db_session.scalar(select(func.count(LibraryItem.id))) == before


def test_plain_text_with_angle_brackets_and_ampersands_is_kept(db_session, library) -> None:
    version = services.create_item(db_session, actor=library.curator, fields=fields(
        title="Savings & loans: 3 < 5", text="Rates > 2% & more",
        link_url="https://example.com/?a=1&b=2"))
    assert version.title == "Savings & loans: 3 < 5"
    assert version.text == "Rates > 2% & more"
    assert version.link_url == "https://example.com/?a=1&b=2"
