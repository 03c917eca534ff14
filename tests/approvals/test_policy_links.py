"""Link rules: URL finding, deny/allow lists with subdomains, shorteners."""

import pytest

from approvals.policy import (
    LinkRules,
    PolicyConfig,
    clean_domain,
    compile_policy,
    find_urls,
    screen,
)


def links(text, rules):
    pol = compile_policy(PolicyConfig(links=rules, version=1))
    return [(f.rule, f.severity, text[f.start:f.end]) for f in screen(text, pol)]


@pytest.mark.parametrize(
    ("text", "url", "host"),
    [
        ("see https://www.bank.fr/offre?x=1.", "https://www.bank.fr/offre?x=1", "bank.fr"),
        ("see http://news.bank.fr:8080/a, ok", "http://news.bank.fr:8080/a", "news.bank.fr"),
        ("(voir www.bank.fr/a)", "www.bank.fr/a", "bank.fr"),
        ("HTTPS://WWW.Bank.FR/Path!", "HTTPS://WWW.Bank.FR/Path", "bank.fr"),
        ("wiki https://en.wikipedia.org/wiki/Bond_(finance) end",
         "https://en.wikipedia.org/wiki/Bond_(finance)", "en.wikipedia.org"),
        ("«https://bank.fr»", "https://bank.fr", "bank.fr"),
        ("https://user:pw@evil.com/x", "https://user:pw@evil.com/x", "evil.com"),
    ],
)
def test_find_urls(text, url, host):
    [found] = find_urls(text)
    assert (found.url, found.host) == (url, host)
    assert text[found.start:found.end] == url


@pytest.mark.parametrize("text", ["no links here", "email@www.bank.fr", "http://", "http://[::1"])
def test_no_urls(text):
    assert find_urls(text) == []


def test_denied_domain_blocks_including_subdomains():
    rules = LinkRules(deny={"casino.com"})
    text = "https://casino.com/x and https://promo.casino.com and https://notcasino.com"
    assert links(text, rules) == [
        ("link:denied_domain", "block", "https://casino.com/x"),
        ("link:denied_domain", "block", "https://promo.casino.com"),
    ]


def test_allow_list_flags_other_domains():
    rules = LinkRules(allow={"bank.fr", "https://www.amf-france.org/"})
    text = (
        "https://www.bank.fr/a https://agence.bank.fr/b https://amf-france.org "
        "https://other.org/x https://bank.fr.evil.io/"
    )
    assert links(text, rules) == [
        ("link:not_allowed", "flag", "https://other.org/x"),
        ("link:not_allowed", "flag", "https://bank.fr.evil.io/"),
    ]
    message = next(
        f.message
        for f in screen(text, compile_policy(PolicyConfig(links=rules)))
        if f.rule == "link:not_allowed"
    )
    assert message == "other.org is not on the list of approved sites"


def test_empty_allow_list_allows_everything():
    assert links("https://anything.example/x", LinkRules()) == []


@pytest.mark.parametrize(
    "url",
    ["https://bit.ly/3abc", "http://t.co/xyz", "https://tinyurl.com/y", "https://goo.gl/z",
     "https://ow.ly/a", "https://is.gd/b", "https://buff.ly/c", "https://rebrand.ly/d",
     "https://cutt.ly/e", "https://lnkd.in/f", "bit.ly/3abc", "lnkd.in/gXyZ", "BIT.LY/Abc"],
)
def test_shortened_links_flag(url):
    text = f"Read this: {url} !"
    assert links(text, LinkRules()) == [("link:shortened", "flag", url)]


def test_shortener_is_one_finding_even_with_an_allow_list():
    assert links("https://bit.ly/x", LinkRules(allow={"bank.fr"})) == [
        ("link:shortened", "flag", "https://bit.ly/x")
    ]


def test_deny_wins_over_everything():
    assert links("https://bit.ly/x", LinkRules(allow={"bit.ly"}, deny={"bit.ly"})) == [
        ("link:denied_domain", "block", "https://bit.ly/x")
    ]


def test_bare_shortener_inside_a_longer_host_is_not_a_link():
    assert links("https://notbit.ly/x and microsoft.com/x", LinkRules()) == []


def test_custom_shortener_list():
    assert links("https://bnk.link/x", LinkRules(shorteners={"bnk.link"})) == [
        ("link:shortened", "flag", "https://bnk.link/x")
    ]


@pytest.mark.parametrize(
    ("value", "domain"),
    [("https://WWW.Bank.com/x", "bank.com"), ("www.bank.com.", "bank.com"),
     ("bank.com:443", "bank.com"), (" news.bank.com ", "news.bank.com")],
)
def test_clean_domain(value, domain):
    assert clean_domain(value) == domain


def test_rules_are_normalised():
    assert LinkRules(allow={"https://WWW.Bank.com/"}).allow == frozenset({"bank.com"})
