"""The one sanitiser: plain text out, or a refusal; never markup hidden in entities."""

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


def test_markup_is_stripped_in_one_pass():
    assert sanitize("<b>Hello</b> <script>x</script>world <!-- c -->") == "Hello xworld"
    assert sanitize(PAYLOAD + "Hi") == "Hi"


def test_plain_text_is_kept():
    for text in ("a < b & c > d", "AT&T", "5 > 3", "l'épargne « sûre »", "😀 👨‍👩‍👧",
                 "if x<y then z", "line 1\nline 2\ttab"):
        assert sanitize(text) == text


def test_entities_are_decoded_once():
    assert sanitize("AT&amp;T &eacute;t&eacute;") == "AT&T été"


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
    assert _strip_markup(value) == value  # no markup left to strip, even when decoded


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"]), max_size=60))
def test_the_fast_path_gives_what_the_html_parser_gives(text):
    expected = html.unescape(bleach.clean(text, tags=set(), attributes={}, strip=True,
                                          strip_comments=True))
    assert _strip_markup(text) == expected
