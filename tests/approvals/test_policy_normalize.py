"""Folding and the map from folded offsets back to the original text."""

import pytest

from approvals.policy import Normalized, normalize, normalize_term


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("GARANTI", "garanti"),
        ("garantí", "garanti"),
        ("Rendement GARANTÍ", "rendement garanti"),
        ("e\u0301te\u0301", "ete"),  # decomposed accents
        ("Straße", "strasse"),
        ("ẞ", "ss"),
        ("ﬁnance", "finance"),
        ("can’t", "can't"),
        ("can`t", "can't"),
        ("risk\u2011free", "risk-free"),  # non-breaking hyphen
        ("risk–free", "risk-free"),  # en dash
        ("a \n\t b", "a b"),
        ("a\u00a0\u202fb", "a b"),  # NBSP, narrow NBSP
        ("guaran\u00adteed", "guaranteed"),  # soft hyphen
        ("zero\u200bwidth", "zerowidth"),
        ("😀 ok", "😀 ok"),
        ("İstanbul", "istanbul"),
    ],
)
def test_fold(text, folded):
    assert normalize(text) == folded


def test_normalize_term_strips_outer_space():
    assert normalize_term("  Rendement\n GARANTI ") == "rendement garanti"


def _check_every_char_maps_back(text):
    norm = Normalized(text)
    for k in range(len(norm.text)):
        span = norm.to_original(k, k + 1)
        if span is None:  # inside an expansion: the whole expansion maps back instead
            continue
        start, end = span
        assert 0 <= start < end <= len(text)
        assert normalize(text[start:end]).strip() == norm.text[k].strip()


@pytest.mark.parametrize(
    "text",
    [
        "plain ascii text",
        "Straße und Maß",
        "ﬁne ﬂow ﬃce",
        "😀👍🏽 emoji 👨‍👩‍👧 family",
        "cafe\u0301 garanti\u0301 fin",
        "a   lot\n\n\nof   space",
        "mixed ß  \n ﬁ é\u0301 😀",
        "½ and ㍱ and ℡",
    ],
)
def test_offsets_map_back(text):
    _check_every_char_maps_back(text)


def test_expansion_maps_to_whole_original_char():
    norm = Normalized("Maß ok")
    assert norm.text == "mass ok"
    assert norm.to_original(2, 4) == (2, 3)  # "ss" -> "ß"
    assert norm.to_original(2, 3) is None  # half of "ß" is no original text
    assert norm.to_original(3, 4) is None
    assert norm.to_original(5, 7) == (4, 6)  # offsets after the expansion shift back by one


def test_ligature_span():
    text = "la ﬁnance"
    norm = Normalized(text)
    start, end = norm.to_original(3, 10)
    assert text[start:end] == "ﬁnance"


def test_span_ending_on_decomposed_accent_includes_the_accent():
    text = "garanti\u0301!"
    norm = Normalized(text)
    assert norm.text == "garanti!"
    assert norm.to_original(0, 7) == (0, 8)


def test_collapsed_whitespace_maps_back():
    text = "rendement \n\u00a0  garanti"
    norm = Normalized(text)
    assert norm.text == "rendement garanti"
    start, end = norm.to_original(0, len(norm.text))
    assert (start, end) == (0, len(text))
    assert text[norm.to_original(10, 17)[0]:] == "garanti"


def test_out_of_range_span_is_none():
    norm = Normalized("abc")
    assert norm.to_original(0, 4) is None
    assert norm.to_original(2, 2) is None
