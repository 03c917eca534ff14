"""Lexicon matching: case, accents, whole words, phrases across whitespace, apostrophes."""

import pytest

from approvals.policy import (
    STARTER_LEXICON,
    LexiconTerm,
    PolicyConfig,
    compile_policy,
    normalize,
    normalize_term,
    screen,
)


def policy(*terms):
    return compile_policy(PolicyConfig(lexicon=terms, version=1))


def hits(text, pol):
    return [(f.rule, text[f.start:f.end]) for f in screen(text, pol) if f.rule.startswith("lex")]


GARANTI = LexiconTerm("garanti", "fr", "flag", "check")
RISK_FREE = LexiconTerm("risk-free", "en", "block", "no such thing")
PHRASE = LexiconTerm("rendement garanti", "fr", "block", "promise")
CANT = LexiconTerm("can't lose", "en", "block", "promise")


@pytest.mark.parametrize("written", ["garanti", "GARANTI", "Garanti", "garantí", "GARANTÍ",
                                     "gara\u0301nti", "ǵaranti"])
def test_case_and_accent_insensitive(written):
    text = f"Un placement {written}."
    assert hits(text, policy(GARANTI)) == [("lexicon:garanti", written)]


def test_accented_term_matches_plain_text():
    pol = policy(LexiconTerm("bénéfice non imposable", "fr", "block"))
    assert hits("un BENEFICE non imposable", pol) == [
        ("lexicon:bénéfice non imposable", "BENEFICE non imposable")
    ]


@pytest.mark.parametrize(
    "text",
    ["brisk-freeze", "risk-freeze", "brisk-free", "risk-free2", "xrisk-free", "risk-free_x"],
)
def test_whole_word_only(text):
    assert hits(text, policy(RISK_FREE)) == []


@pytest.mark.parametrize("text", ["risk-free", "(risk-free)", "RISK-FREE!", "100% risk-free.",
                                  "risk\u2011free", "«risk-free»"])
def test_whole_word_matches(text):
    assert [rule for rule, _ in hits(text, policy(RISK_FREE))] == ["lexicon:risk-free"]


def test_word_inside_longer_word_is_not_matched():
    assert hits("guaranteed", policy(GARANTI)) == []
    assert hits("garantie", policy(GARANTI)) == []


@pytest.mark.parametrize(
    "gap", [" ", "  ", "\n", "\r\n", "\t", "\u00a0", " \n\u00a0 ", "\u202f", "\u2003"]
)
def test_phrase_across_any_whitespace(gap):
    text = f"Votre rendement{gap}garanti chaque année"
    assert hits(text, policy(PHRASE)) == [("lexicon:rendement garanti", f"rendement{gap}garanti")]


def test_phrase_words_must_be_adjacent():
    assert hits("rendement non garanti", policy(PHRASE)) == []
    assert hits("rendementgaranti", policy(PHRASE)) == []


@pytest.mark.parametrize("apostrophe", ["'", "’", "‘", "ʼ", "`"])
def test_apostrophes(apostrophe):
    text = f"You can{apostrophe}t lose!"
    assert hits(text, policy(CANT)) == [("lexicon:can't lose", f"can{apostrophe}t lose")]


def test_typographic_apostrophe_in_term_matches_ascii_text():
    pol = policy(LexiconTerm("net d’impôt", "fr", "flag"))
    assert [r for r, _ in hits("Un revenu NET D'IMPOT", pol)] == ["lexicon:net d’impôt"]


def test_tricky_characters_before_a_match_keep_spans_right():
    text = "Straße ﬁnance 😀👍🏽 e\u0301te\u0301 — rendement  garanti\u0301 !"
    found = hits(text, policy(PHRASE, GARANTI))
    assert found == [
        ("lexicon:rendement garanti", "rendement  garanti\u0301"),
        ("lexicon:garanti", "garanti\u0301"),
    ]


def test_ligature_and_eszett_terms():
    pol = policy(LexiconTerm("finance", "any", "flag"), LexiconTerm("strasse", "any", "flag"))
    assert hits("Große ﬁnance in der Straße", pol) == [
        ("lexicon:finance", "ﬁnance"),
        ("lexicon:strasse", "Straße"),
    ]


def test_finding_fields():
    text = "Rendement garanti !"
    [finding] = screen(text, policy(PHRASE))
    assert finding.severity == "block"
    assert (finding.start, finding.end) == (0, 17)
    assert finding.note == "promise"
    assert finding.message_id == '"%(term)s" is not allowed in a post'
    assert finding.params == {"term": "rendement garanti"}
    assert finding.message == '"rendement garanti" is not allowed in a post'


def test_flag_message():
    [finding] = screen("garanti", policy(GARANTI))
    assert finding.severity == "flag"
    assert finding.message == '"garanti" needs a compliance review'


def test_overlapping_terms_are_all_reported_sorted():
    pol = policy(PHRASE, GARANTI)
    assert [f.rule for f in screen("rendement garanti", pol)] == [
        "lexicon:rendement garanti",
        "lexicon:garanti",
    ]


def test_same_folded_term_twice_reports_both_entries():
    pol = policy(GARANTI, LexiconTerm("GARANTÍ", "any", "block"))
    assert sorted(f.severity for f in screen("garanti", pol)) == ["block", "flag"]


def test_language_filter():
    pol = policy(GARANTI, RISK_FREE, LexiconTerm("crypto", "any", "flag"))
    text = "garanti risk-free crypto"
    assert len(screen(text, pol)) == 3
    assert [f.rule for f in screen(text, pol, language="en")] == [
        "lexicon:risk-free",
        "lexicon:crypto",
    ]
    assert [f.rule for f in screen(text, pol, language="fr")] == [
        "lexicon:garanti",
        "lexicon:crypto",
    ]


def test_term_with_punctuation_edges():
    pol = policy(LexiconTerm("100%", "any", "flag"))
    assert hits("100%sure", pol) == [("lexicon:100%", "100%")]
    assert hits("2100%", pol) == []


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"term": "x", "severity": "warn"}, "severity"),
        ({"term": "x", "language": "de"}, "language"),
        ({"term": " \u0301 "}, "empty"),
    ],
)
def test_invalid_terms_are_rejected(kwargs, error):
    with pytest.raises(ValueError, match=error):
        LexiconTerm(**kwargs)


def test_empty_lexicon():
    assert screen("anything at all", compile_policy(PolicyConfig())) == []


def test_starter_lexicon():
    required = {
        "guaranteed returns", "rendement garanti", "guaranteed", "garanti", "risk-free",
        "sans risque", "double your money", "doublez votre argent", "can't lose",
        "vous ne pouvez pas perdre", "tax-free profit", "bénéfice non imposable", "insider",
        "initié", "information privilégiée", "no risk", "aucun risque", "get rich quick",
    }
    terms = {t.term for t in STARTER_LEXICON}
    assert required <= terms
    assert {t.language for t in STARTER_LEXICON} >= {"en", "fr"}
    assert all(t.note and t.severity in ("block", "flag") for t in STARTER_LEXICON)
    keys = [(normalize_term(t.term), t.language) for t in STARTER_LEXICON]
    assert len(keys) == len(set(keys)), "duplicate starter terms"


def test_starter_lexicon_screens_a_post():
    pol = compile_policy(PolicyConfig(STARTER_LEXICON, version=1))
    text = "Doublez votre ARGENT : rendement garanti, sans risque ! You can’t lose."
    blocks = {f.rule for f in screen(text, pol) if f.severity == "block"}
    assert blocks == {
        "lexicon:doublez votre argent",
        "lexicon:rendement garanti",
        "lexicon:sans risque",
        "lexicon:can't lose",
    }
    for f in screen(text, pol):
        assert normalize(text[f.start:f.end]) == normalize_term(f.params["term"])
