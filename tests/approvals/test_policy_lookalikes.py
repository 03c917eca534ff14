"""Look-alike letters, invisible characters and bidi tricks do not hide a lexicon term."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from approvals.policy import (
    STARTER_LEXICON,
    Normalized,
    PolicyConfig,
    compile_policy,
    normalize,
    screen,
)
from approvals.policy.confusables import UNICODE_VERSION, latin_lookalike, skeleton
from approvals.policy.scripts import visual_order

POLICY = compile_policy(PolicyConfig(STARTER_LEXICON, version=1))
TERM = "lexicon:guaranteed returns"

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
        "\u2069", "\u200e", "\u200f", "\u061c"]
CONTROLS = ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x80", "\x9f"]

DISGUISED = {
    "cyrillic a": "gu\u0430ranteed returns",
    "cyrillic capital a": "GU\u0410RANTEED RETURNS",
    "cyrillic e and o": "guarant\u0435\u0435d r\u0435turns",
    "greek alpha": "gu\u03b1r\u03b1nteed returns",
    "fullwidth": "ｇｕａｒａｎｔｅｅｄ ｒｅｔｕｒｎｓ",
    "mathematical bold": "\U0001d420\U0001d42e\U0001d41a\U0001d42b\U0001d41a\U0001d427"
                         "\U0001d42d\U0001d41e\U0001d41e\U0001d41d returns",
    "right-to-left override": "\u202esnruter deetnaraug\u202c",
    "override on one word": "Our \u202edeetnaraug\u202c returns!",
    **{f"zero-width U+{ord(c):04X}": f"guar{c}anteed ret{c}urns" for c in ZERO_WIDTH},
    **{f"bidi U+{ord(c):04X}": f"guar{c}anteed returns" for c in BIDI if c != "\u202e"},
    **{f"control U+{ord(c):04X}": f"guaran{c}teed returns" for c in CONTROLS},
}


@pytest.mark.parametrize("text", DISGUISED.values(), ids=DISGUISED.keys())
def test_lexicon_finds_the_term_in_every_disguise(text):
    findings = screen(text, POLICY)
    assert TERM in {f.rule for f in findings}, findings
    assert any(f.blocks for f in findings)


def test_ukrainian_i_in_risk_free():
    for text in ("r\u0456sk-free", "R\u0406SK-FREE", "risk-fr\u0435\u0435"):
        assert "lexicon:risk-free" in {f.rule for f in screen(text, POLICY)}, text


def test_the_span_is_the_disguised_original():
    text = "Our fund: gu\u0430ranteed returns."
    (finding,) = [f for f in screen(text, POLICY) if f.rule == TERM]
    assert text[finding.start:finding.end] == "gu\u0430ranteed returns"


@pytest.mark.parametrize("text", ["gu\u0430ranteed", "r\u0456sk", "\u0440aypal",
                                  "bank\u03bfnline", "ѕcam"])
def test_a_word_mixing_latin_with_cyrillic_or_greek_is_flagged(text):
    findings = [f for f in screen(f"Hello {text} world", POLICY)
                if f.rule == "unicode:mixed-script"]
    assert len(findings) == 1
    finding = findings[0]
    assert finding.severity == "flag"
    assert f"Hello {text} world"[finding.start:finding.end] == text
    assert "Latin" in finding.params["scripts"]
    assert "alphabets" in finding.message


def test_mixed_script_word_with_a_zero_width_character_inside():
    text = "gu\u200b\u0430ranteed"
    (finding,) = [f for f in screen(text, POLICY) if f.rule == "unicode:mixed-script"]
    assert (finding.start, finding.end) == (0, len(text))
    assert finding.params["word"] == "gu\u0430ranteed"


@pytest.mark.parametrize("text", [
    "Noël approche : préparez l'avenir de vos enfants grâce à l'épargne, c'est déjà ça.",
    "Le cœur de notre métier, c'est l'œuvre de toute une vie. Ça commence à 18 ans.",
    "Garçon, façade, naïve, Zoë, Œdipe, maïs, où, sûr, être, île, aigüe, ÉTÉ, ÇA",
    "Straße, Ångström, São Paulo, Dvořák, Łódź, İstanbul, Ærø",
    "Москва и Санкт-Петербург",  # one alphabet per word: not mixed
    "Καλημέρα από την Αθήνα",
    "Spring 2025 — 3,5 % net — 🚀 — can’t wait",
])
def test_legitimate_text_is_not_flagged_as_mixed_script(text):
    rules = {f.rule for f in screen(text, POLICY)}
    assert "unicode:mixed-script" not in rules
    assert "unicode:bidi" not in rules


def test_bidi_override_is_flagged_for_review():
    text = "Say \u202ehello\u202c there"
    (finding,) = [f for f in screen(text, POLICY) if f.rule == "unicode:bidi"]
    assert finding.severity == "flag"
    assert text[finding.start:finding.end] == "\u202ehello\u202c"


def test_bidi_marks_alone_are_not_flagged():
    # LRM/RLM are normal in mixed Hebrew or Arabic text.
    assert not screen("Hello \u200fשלום\u200f world", POLICY)


def test_visual_order():
    shown, offsets = visual_order("ab\u202edcba\u202cz")
    assert shown == "ababcdz"
    assert offsets == [0, 1, 6, 5, 4, 3, 8]
    shown, _ = visual_order("\u202eone \u202dtwo\u202c\nnext")
    assert shown == "two eno\nnext"


def test_folding_drops_invisible_and_control_characters():
    assert normalize("a\u200bb\u202ec\u2066d\x00e\x1bf") == "abcdef"


def test_skeleton_follows_uts39():
    assert UNICODE_VERSION.count(".") == 2
    assert skeleton("\u0440\u0430\u0443\u0440\u0430l") == skeleton("paypal")
    assert skeleton("Ι") == skeleton("l")  # Greek capital iota
    assert latin_lookalike("\u0430") == "a"
    assert latin_lookalike("\u0436") is None  # "ж" looks like no Latin letter
    assert latin_lookalike("a") is None


PIECES = st.sampled_from(["gu\u0430ranteed", "\u0406", "\u202e", "\u202c", "\u2067", "\u2069",
                          "\u200b", "\x00", "ß", "é", "\u0301", "Ω", "\n", " ", "returns"])


@settings(deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=20).map("".join))
def test_spans_stay_inside_the_text(text):
    norm = Normalized(text)
    assert norm.text == normalize(text)
    for f in screen(text, POLICY):
        assert 0 <= f.start < f.end <= len(text), f
    shown, offsets = visual_order(text)
    assert len(shown) == len(offsets)
    assert sorted(offsets) == sorted(set(offsets))
