"""Personalisation values are short plain names (issue 11, point 1): checked by the library
whenever it renders, so no entry point (form, query string, JSON, profile data) can put text
of its own into a pre-approved message."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content_library.errors import RenderError
from content_library.rendering import (
    NAME_MAX,
    TEMPLATE_PLACEHOLDERS,
    clean_value,
    render_placeholders,
)

VALUES = {"client_first_name": "Zoé", "advisor_first_name": "Alice",
          "advisor_last_name": "Martin", "branch_name": "Lyon Bellecour"}
TEXT = "Congratulations {client_first_name}! {advisor_first_name} {advisor_last_name}, " \
       "{branch_name}"


@pytest.mark.parametrize(("given_name", "kept"), [
    ("Zoë", "Zoë"), ("Jean-Luc", "Jean-Luc"), ("O'Brien", "O'Brien"), ("Łucja", "Łucja"),
    ("李", "李"), ("Zoe\u0308", "Zoë"), ("  Anne   Marie ", "Anne Marie"),
    ("D’Arcy", "D’Arcy"), ("Anne\u00a0Sophie", "Anne Sophie"), ("Ἀλέξανδρος", "Ἀλέξανδρος"),
    ("محمد", "محمد"), ("A" * NAME_MAX, "A" * NAME_MAX),
])
def test_plain_names_of_any_script_are_kept(given_name: str, kept: str) -> None:
    assert clean_value("client_first_name", given_name) == kept


@pytest.mark.parametrize("value", [
    "Bob: crypto tip, buy now at https://evil.example", "Bob2", "B0b", "evil.example",
    "<b>Bob</b>", "Bob\x00", "Bob\x07", "Bo\u200bb", "\u202eboB", "Bob\u2066", "Bob\nBuy",
    "Bob\tX", "-Bob", "'Bob", "A" * (NAME_MAX + 1), "bob@evil.example", "Bob & co",
    "{advisor_last_name}", "Bob!", "Bob 😀", "\u0301Bob",
])
def test_anything_else_is_refused_with_the_field(value: str) -> None:
    with pytest.raises(RenderError) as refused:
        render_placeholders(TEXT, {**VALUES, "client_first_name": value},
                            TEMPLATE_PLACEHOLDERS)
    assert refused.value.field == "client_first_name"


def test_profile_values_are_checked_too() -> None:
    with pytest.raises(RenderError, match="last name in your profile") as refused:
        render_placeholders(TEXT, {**VALUES, "advisor_last_name": "Martin https://x.example"},
                            TEMPLATE_PLACEHOLDERS)
    assert refused.value.field == "advisor_last_name"
    with pytest.raises(RenderError, match="branch's name"):
        render_placeholders(TEXT, {**VALUES, "branch_name": "Visit evil.example"},
                            TEMPLATE_PLACEHOLDERS)
    # Branch names may hold digits and a little punctuation (never a link).
    for branch in ("Paris 8e", "Branch 12", "Lyon (Part-Dieu)", "St. Gallen", "Lyon & Co"):
        assert render_placeholders("{branch_name}", {"branch_name": branch},
                                   ["branch_name"]) == branch


def test_the_french_message_names_the_value(app) -> None:
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("fr"):
        with pytest.raises(RenderError) as refused:
            clean_value("client_first_name", "Bob2")
        assert str(refused.value).startswith("Le prénom du client doit être un nom simple")


PLAIN = set(" -'’ʼ‐‑")


@settings(max_examples=500)
@given(st.text(max_size=60))
def test_whatever_is_typed_either_is_refused_or_renders_as_a_plain_name(value: str) -> None:
    try:
        text = render_placeholders("{client_first_name}", {"client_first_name": value},
                                   TEMPLATE_PLACEHOLDERS)
    except RenderError:
        return
    assert 0 < len(text) <= NAME_MAX
    assert all(unicodedata.category(c)[0] in "LM" or c in PLAIN for c in text)
