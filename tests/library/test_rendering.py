"""Safe placeholder rendering: a tiny parser, property-tested with hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor_hub.text import UnsafeText, sanitize
from content_library.errors import RenderError
from content_library.rendering import (
    TEMPLATE_PLACEHOLDERS,
    check_placeholders,
    escape_braces,
    render_placeholders,
)

VALUES = {"client_first_name": "Zoé", "advisor_first_name": "Alice",
          "advisor_last_name": "Martin", "branch_name": "Lyon Bellecour"}
names = st.sampled_from(TEMPLATE_PLACEHOLDERS)
brace_free = st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=30)


def test_substitutes_and_unescapes() -> None:
    text = "Hello {client_first_name}, {{literal}} from {advisor_first_name}"
    assert render_placeholders(text, VALUES, TEMPLATE_PLACEHOLDERS) == \
        "Hello Zoé, {literal} from Alice"


@pytest.mark.parametrize("text", ["{", "}", "{ name}", "{name }", "{a.b}", "{0}", "{}",
                                  "{client_first_name.__class__}", "{x[0]}", "{a!r}",
                                  "{client_first_name:>10}", "text {unclosed",
                                  "{{client_first_name}}}", "{Client_First_Name}"])
def test_malformed_or_unknown_is_a_validation_error(text: str) -> None:
    with pytest.raises(RenderError):
        check_placeholders(text, TEMPLATE_PLACEHOLDERS)


def test_unknown_placeholder_is_refused_at_save_time() -> None:
    with pytest.raises(RenderError, match="Unknown placeholder"):
        check_placeholders("Hi {client_last_name}", TEMPLATE_PLACEHOLDERS)
    with pytest.raises(RenderError, match="allows none"):
        check_placeholders("Hi {advisor_first_name}", [])


def test_missing_value_is_an_error_never_a_literal_placeholder() -> None:
    with pytest.raises(RenderError, match="missing"):
        render_placeholders("Dear {client_first_name}", {"client_first_name": "  "},
                            TEMPLATE_PLACEHOLDERS)
    with pytest.raises(RenderError):
        render_placeholders("Dear {client_first_name}", {}, TEMPLATE_PLACEHOLDERS)


def test_values_are_never_parsed_as_placeholders() -> None:
    """A value with braces is not a name: refused (issue 11), never parsed or formatted."""
    values = {**VALUES, "client_first_name": "{advisor_last_name} {0.__class__}"}
    with pytest.raises(RenderError, match="plain name"):
        render_placeholders("{client_first_name}", values, TEMPLATE_PLACEHOLDERS)


@settings(max_examples=400)
@given(st.text(max_size=80))
def test_no_text_raises_anything_but_the_validation_error(text: str) -> None:
    try:
        result = render_placeholders(text, VALUES, TEMPLATE_PLACEHOLDERS)
    except RenderError:
        return
    assert isinstance(result, str)


@settings(max_examples=300)
@given(st.text(alphabet="{}ab_c ", max_size=40))
def test_brace_soup_raises_only_the_validation_error(text: str) -> None:
    try:
        result = render_placeholders(text, VALUES, TEMPLATE_PLACEHOLDERS)
    except RenderError:
        return
    # What renders has no placeholder left in it.
    for name in TEMPLATE_PLACEHOLDERS:
        assert "{" + name + "}" not in result or "{{" + name + "}}" in text


@settings(max_examples=300)
@given(st.lists(st.one_of(brace_free, names.map(lambda n: ("placeholder", n))), max_size=12))
def test_well_formed_text_renders_exactly_and_leaks_nothing(parts: list) -> None:
    text = "".join("{" + p[1] + "}" if isinstance(p, tuple) else p for p in parts)
    expected = "".join(VALUES[p[1]] if isinstance(p, tuple) else p for p in parts)
    result = render_placeholders(text, VALUES, TEMPLATE_PLACEHOLDERS)
    assert result == expected
    assert "{" not in result and "}" not in result


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_escaped_text_renders_to_itself(text: str) -> None:
    assert render_placeholders(escape_braces(text), VALUES, TEMPLATE_PLACEHOLDERS) == text


@pytest.mark.parametrize("dirty", ["<b>Hello</b> world", "<script>alert(1)</script>Hi",
                                   "AT&amp;T", '<a href="javascript:x">link</a>'])
def test_sanitize_refuses_html_never_strips_it(dirty: str) -> None:
    with pytest.raises(UnsafeText):
        sanitize(dirty)


@pytest.mark.parametrize("plain", ["a < b & c > d", "Plain text, l'épargne !", "AT&T"])
def test_sanitize_keeps_plain_text(plain: str) -> None:
    assert sanitize(plain) == plain


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cc"]), max_size=60))
def test_sanitize_is_stable(text: str) -> None:
    try:
        once = sanitize(text)
    except UnsafeText:  # markup: refused, nothing to be stable about
        return
    assert sanitize(once) == once
