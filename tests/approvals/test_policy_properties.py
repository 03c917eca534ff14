"""Property tests: screening never raises and every span points at what it reports."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvals.policy import (
    STARTER_LEXICON,
    LexiconTerm,
    LinkRules,
    Normalized,
    PolicyConfig,
    compile_policy,
    find_urls,
    normalize,
    normalize_term,
    screen,
)
from approvals.policy.detectors import HINTS as PII_HINTS
from approvals.policy.detectors import Contacts, find_pii
from approvals.policy.lexicon import LexiconMatcher
from approvals.policy.links import HINTS as LINK_HINTS

POLICY = compile_policy(
    PolicyConfig(
        STARTER_LEXICON + (LexiconTerm("strasse", "any", "flag"), LexiconTerm("fi", "any")),
        LinkRules(allow={"bank.fr"}, deny={"casino.com"}),
        version=1,
    )
)

# Text built from pieces that exercise the detectors, mixed with arbitrary characters.
PIECES = st.sampled_from([
    "rendement garanti", "GARANTÍ", "gara\u0301nti", "risk-free", "brisk-freeze", "can’t lose",
    "Straße", "ﬁ", "ß", "ẞ", "😀", "👨‍👩‍👧", "\u0301", "\u00a0", "\n", "  ", "\u200b", "\u00ad",
    "İ", "½", "FR76 3000 6000 0112 3456 7890 189", "4111 1111 1111 1111", "123-45-6789",
    "1 85 05 2A 006 084 35", "account 12345678", "compte n° 00012345678", "a@b.com", "@",
    "06 12 34 56 78", "+1 415 555 0100", "https://bit.ly/x", "www.casino.com/a", "http://[::1",
    "https://", "bit.ly/", "(", ")", ".", "-", "+", "0", "9", "2A",
])
TEXTS = st.one_of(
    st.text(),
    st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=30).map("".join),
)


def check_spans(text, findings):
    for f in findings:
        assert 0 <= f.start < f.end <= len(text), f
        assert f.severity in ("block", "flag")
        assert f.rule != "engine:error"
        assert isinstance(f.message, str)
        if f.rule.startswith("lexicon:"):
            assert normalize(text[f.start:f.end]) == normalize_term(f.params["term"])
    assert [f.start for f in findings] == sorted(f.start for f in findings)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_screen_never_raises_and_spans_are_valid(text):
    check_spans(text, screen(text, POLICY, allowed_contacts={"me@bank.fr", "+33 6 00 00 00 00"}))


@settings(max_examples=300)
@given(TEXTS)
def test_pii_and_link_spans_point_at_their_text(text):
    for f in screen(text, POLICY):
        matched = text[f.start:f.end]
        assert matched == matched.strip(), f  # no span starts or ends on whitespace
        if f.rule in ("pii:card", "pii:iban", "pii:nir", "pii:ssn", "pii:phone", "pii:account"):
            assert any(c.isdigit() for c in matched)
        if f.rule == "pii:email":
            assert "@" in matched
        if f.rule.startswith("link:"):
            assert f.params["host"] in matched.lower()


@settings(max_examples=300)
@given(TEXTS)
def test_offsets_map_is_consistent(text):
    norm = Normalized(text)
    assert norm.text == normalize(text)
    for k in range(len(norm.text)):
        span = norm.to_original(k, k + 1)
        if span is not None:
            start, end = span
            assert 0 <= start < end <= len(text)
    if norm.text:
        whole = norm.to_original(0, len(norm.text))
        if whole is not None:
            assert normalize(text[whole[0]:whole[1]]) == norm.text


@settings(max_examples=200)
@given(st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=20).map("".join))
def test_lexicon_term_found_wherever_it_is_inserted(prefix):
    text = f"{prefix} rendement garanti !"
    findings = [f for f in screen(text, POLICY) if f.rule == "lexicon:rendement garanti"]
    # The prefix cannot glue a word character onto the phrase across the space.
    assert any(text[f.start:f.end] == "rendement garanti" for f in findings)


@given(st.text())
def test_find_urls_never_raises(text):
    for url in find_urls(text):
        assert text[url.start:url.end] == url.url
        assert url.host


@given(TEXTS)
def test_find_urls_same_with_the_engine_view(text):
    assert find_urls(text, Normalized(text).view) == find_urls(text)
    assert len(Normalized(text).view) == len(text)


HINT_MATCHER = LexiconMatcher([], hints=PII_HINTS | LINK_HINTS)


@settings(max_examples=300)
@given(TEXTS)
def test_prefilter_hints_from_the_lexicon_pass_change_nothing(text):
    norm = Normalized(text)
    hints: set[str] = set()
    assert HINT_MATCHER.scan(norm, None, hints) == []
    assert find_pii(text, norm.view, Contacts(), hints) == find_pii(text, norm.view)
    assert find_urls(text, norm.view, hints) == find_urls(text)


@given(TEXTS)
def test_digit_clusters_found_through_the_view_match_a_regex_scan(text):
    from approvals.policy.detectors import _CLUSTER, _clusters

    found = [m.span() for m in _clusters(text, Normalized(text).view)]
    assert found == [m.span() for m in _CLUSTER.finditer(text)]
