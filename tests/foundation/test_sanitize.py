"""The one sanitiser: plain text out unchanged, or a refusal; never silent stripping."""

from __future__ import annotations

import html

import bleach
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor_hub.errors import ValidationError
from advisor_hub.text import UnsafeText, _strip_markup, refuse_control_characters, sanitize

PAYLOAD = '<img src=x onerror="alert(1)">'


def _nested(text: str, depth: int) -> str:
    for _ in range(depth):
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


@pytest.mark.parametrize("depth", [1, 2, 5, 6, 10, 12, 25])
def test_entities_nested_deep_are_refused(depth):
    with pytest.raises(UnsafeText):
        sanitize(f"Hello {_nested(PAYLOAD, depth)} world")


@pytest.mark.parametrize("depth", [6, 10, 12])
def test_nothing_returned_ever_decodes_to_markup(depth):
    # What the old five-pass loop stored: the raw tag.
    text = _nested(PAYLOAD, depth)
    try:
        value = sanitize(text)
    except UnsafeText:
        return
    assert "<img" not in value and "onerror" not in value  # pragma: no cover


@pytest.mark.parametrize("text", ["<b>Hello</b>", "<script>alert(1)</script>Bad item",
                                  PAYLOAD + "Hi", "world <!-- c -->", "a <br/> b"])
def test_markup_is_refused_not_stripped(text):
    with pytest.raises(UnsafeText, match="HTML is not allowed here") as refused:
        sanitize(text, field="title")
    assert refused.value.field == "title"


def test_plain_text_is_kept():
    for text in ("a < b & c > d", "AT&T", "5 > 3", "l'épargne « sûre »", "😀 👨‍👩‍👧",
                 "if x<y then z", "line 1\nline 2\ttab", "I <3 savings", "R&D; Q&A",
                 "https://example.com/?a=1&copy=2&b=3"):
        assert sanitize(text) == text


@pytest.mark.parametrize("text", ["AT&amp;T", "&eacute;t&eacute;", "&#233;", "&#x3C;3"])
def test_html_codes_are_refused_not_decoded(text):
    with pytest.raises(UnsafeText):
        sanitize(text)


def test_line_ends_are_normalised():
    assert sanitize("line 1\r\nline 2\rline 3") == "line 1\nline 2\nline 3"


def test_surrounding_whitespace_is_trimmed():
    assert sanitize("  hello \n") == "hello"
    assert sanitize(None) == "" and sanitize("") == ""


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f",
                                  "\x85", "\x9f"])
def test_control_characters_are_refused(char):
    with pytest.raises(UnsafeText) as refused:
        sanitize(f"guaran{char}teed", field="text")
    assert refused.value.field == "text"
    assert isinstance(refused.value, ValidationError)
    with pytest.raises(UnsafeText):
        refuse_control_characters(f"a{char}b")


def test_refusal_is_translated(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("fr"):
        with pytest.raises(UnsafeText) as refused:
            sanitize("a\x00b")
        assert "caractères de contrôle" in str(refused.value)
        with pytest.raises(UnsafeText) as refused:
            sanitize("&amp;lt;b&amp;gt;")
        assert "HTML" in str(refused.value) and "brut" in str(refused.value)
        with pytest.raises(UnsafeText) as refused:
            sanitize("<script>x</script>Bad item")
        assert str(refused.value) == "Le HTML n'est pas autorisé ici ; écrivez du texte simple."
        with pytest.raises(UnsafeText) as refused:
            sanitize("AT&amp;T")
        assert "codes HTML" in str(refused.value)


PIECES = st.sampled_from(["<", ">", "&", "&amp;", "&lt;", "&gt;", "&#60;", "&#x3C;", "<b>",
                          "</b>", "<!--", "-->", "img", " onerror=", "\r\n", "\r", "é", "a"])
TEXTS = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"]), max_size=40),
    st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=20).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_accepted_text_is_a_fixed_point(text):
    try:
        value = sanitize(text)
    except UnsafeText:
        return
    assert sanitize(value) == value
    assert value in text.replace("\r\n", "\n").replace("\r", "\n")  # nothing taken out
    assert _strip_markup(value) == value  # no markup left to strip, even when decoded


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"]), max_size=60))
def test_the_fast_path_gives_what_the_html_parser_gives(text):
    expected = html.unescape(bleach.clean(text, tags=set(), attributes={}, strip=True,
                                          strip_comments=True))
    assert _strip_markup(text) == expected
