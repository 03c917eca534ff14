"""A refused library form shows every problem at once, and says the image must be chosen
again (a browser never sends a file back)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from advisor_hub.errors import ValidationError, ValidationErrors
from content_library import services
from tests.library.conftest import fields


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_clean_fields_reports_every_field_at_once(db_session) -> None:
    with pytest.raises(ValidationErrors) as raised:
        services.clean_fields(db_session, fields(title=" ", networks=[],
                                                 link_url="javascript:alert(1)",
                                                 language="de"))
    assert {e.field for e in raised.value.errors} == {"title", "networks", "link_url",
                                                      "language"}


def test_one_problem_alone_is_a_plain_validation_error(db_session) -> None:
    with pytest.raises(ValidationError) as raised:
        services.clean_fields(db_session, fields(title=" "))
    assert type(raised.value) is ValidationError and raised.value.field == "title"


MESSAGES = {
    "en": ("HTML is not allowed", "full http:// or https:// address", "at least one network"),
    "fr": ("HTML n&#39;est pas autorisé", "http:// ou https://", "au moins un réseau"),
}


@pytest.mark.parametrize("language,again", [
    ("en", "choose it again"), ("fr", "choisissez-la à nouveau")])
def test_the_form_shows_all_errors_and_asks_for_the_image_again(
        client, auth, factory, db_session, language: str, again: str) -> None:
    curator = factory.user("marketing", language=language)
    auth.login(curator)
    response = client.post("/library/manage/new", data={
        "title": "<b>Bad</b> title", "text": "Savings week", "link_url": "ftp://example.com/x",
        "language": "en", "audience": "all", "networks": [],
        "image": (io.BytesIO(_png()), "photo.png"),
    }, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in MESSAGES[language]:
        assert message in page, message
    assert 'data-testid="image-again"' in page and again in page


def test_no_image_sent_no_note(client, auth, factory) -> None:
    auth.login(factory.user("marketing"))
    page = client.post("/library/manage/new", data={"title": "", "text": "x"}).get_data(
        as_text=True)
    assert 'data-testid="image-again"' not in page
