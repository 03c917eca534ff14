"""Link rules: URLs in a text, checked against deny/allow lists and known link shorteners."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from .findings import BLOCK, FLAG, N_, Finding

DEFAULT_SHORTENERS: Final = frozenset({
    "bit.ly", "bitly.com", "t.co", "tinyurl.com", "goo.gl", "ow.ly", "is.gd", "buff.ly",
    "rebrand.ly", "cutt.ly", "lnkd.in", "shorturl.at", "t.ly", "tiny.cc", "rb.gy", "bl.ink",
    "s.id", "v.gd", "short.io", "shorte.st", "adf.ly", "fb.me", "youtu.be", "amzn.to", "trib.al",
    "dlvr.it", "soo.gd", "clck.ru", "qr.ae", "snip.ly",
})

MSG_DENIED: Final = N_("Links to %(host)s are not allowed")
MSG_NOT_ALLOWED: Final = N_("%(host)s is not on the list of approved sites")
MSG_SHORTENED: Final = N_("Shortened link (%(host)s) hides where it leads: use the full address")

# Scheme or "www." first; then anything up to whitespace or a character that cannot be in a URL
# written in prose. Trailing punctuation is trimmed afterwards.
_URL = re.compile(r"(?:[hH][tT][tT][pP][sS]?://|(?<![\w.\-/@])[wW][wW][wW]\.)[^\s<>\"'`{}|\\^]+")
_TRAILING = ".,;:!?…»”’)]}*"
_BRACKETS: Final = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True, slots=True)
class UrlMatch:
    start: int
    end: int
    url: str
    host: str


def clean_domain(value: str) -> str:
    """"https://WWW.Bank.com/x" or "www.bank.com." -> "bank.com" (how list entries are kept)."""
    value = value.strip().lower()
    if "//" in value:
        value = value.split("//", 1)[1]
    value = value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    value = value.rsplit("@", 1)[-1]
    if not value.startswith("["):
        value = value.split(":", 1)[0]
    value = value.strip(".")
    return value.removeprefix("www.")


def _host_of(url: str) -> str | None:
    target = url if "://" in url else "http://" + url
    try:
        host = urlsplit(target).hostname
    except ValueError:  # "http://[::1" and friends
        return None
    if not host:
        return None
    return host.strip(".").removeprefix("www.") or None


def _trim(url: str) -> str:
    while url and url[-1] in _TRAILING:
        closer = url[-1]
        # Keep a closing bracket that closes one inside the URL (Wikipedia-style links).
        opener = _BRACKETS.get(closer)
        if opener and url.count(opener) >= url.count(closer):
            break
        url = url[:-1]
    return url


def find_urls(text: str) -> list[UrlMatch]:
    """URLs with a scheme (http, https) or starting with "www.", and their host."""
    lowered = text.lower()
    if "http" not in lowered and "www." not in lowered:
        return []
    found: list[UrlMatch] = []
    for m in _URL.finditer(text):
        url = _trim(m.group())
        host = _host_of(url)
        if host is None:
            continue
        found.append(UrlMatch(m.start(), m.start() + len(url), url, host))
    return found


def _parents(host: str) -> Iterable[str]:
    """"a.b.bank.com" -> "a.b.bank.com", "b.bank.com", "bank.com", "com"."""
    yield host
    dot = host.find(".")
    while dot != -1:
        yield host[dot + 1:]
        dot = host.find(".", dot + 1)


def _matches(host: str, domains: frozenset[str]) -> bool:
    return bool(domains) and any(part in domains for part in _parents(host))


@dataclass(frozen=True, slots=True)
class LinkRules:
    """Domain lists. A subdomain counts as its domain ("news.bank.com" is "bank.com")."""

    allow: frozenset[str] = frozenset()
    deny: frozenset[str] = frozenset()
    shorteners: frozenset[str] = field(default=DEFAULT_SHORTENERS)

    def __post_init__(self) -> None:
        for name in ("allow", "deny", "shorteners"):
            cleaned = frozenset(d for d in map(clean_domain, getattr(self, name)) if d)
            object.__setattr__(self, name, cleaned)

    def check(self, text: str) -> list[Finding]:
        findings: list[Finding] = []
        lowered = text.lower()
        shortener_hit = any(s in lowered for s in self.shorteners)
        urls = find_urls(text)
        if shortener_hit:
            urls = _merge(urls, self._bare_shortened(text))
        for url in urls:
            finding = self._judge(url)
            if finding is not None:
                findings.append(finding)
        return findings

    def _judge(self, url: UrlMatch) -> Finding | None:
        params = {"host": url.host}
        if _matches(url.host, self.deny):
            return Finding("link:denied_domain", BLOCK, url.start, url.end, MSG_DENIED, params)
        if _matches(url.host, self.shorteners):
            return Finding("link:shortened", FLAG, url.start, url.end, MSG_SHORTENED, params)
        if self.allow and not _matches(url.host, self.allow):
            return Finding("link:not_allowed", FLAG, url.start, url.end, MSG_NOT_ALLOWED, params)
        return None

    def _bare_shortened(self, text: str) -> list[UrlMatch]:
        # "bit.ly/3xYz" is often written without scheme or "www.".
        found = []
        for m in _bare_shortener_regex(self.shorteners).finditer(text):
            url = _trim(m.group())
            found.append(UrlMatch(m.start(), m.start() + len(url), url, m.group(1).lower()))
        return found


_BARE_CACHE: dict[frozenset[str], re.Pattern[str]] = {}


def _bare_shortener_regex(shorteners: frozenset[str]) -> re.Pattern[str]:
    pattern = _BARE_CACHE.get(shorteners)
    if pattern is None:
        alternatives = "|".join(re.escape(s) for s in sorted(shorteners, key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w.\-/@])({alternatives})/[^\s<>\"'`{{}}|\\^]+", re.I)
        if len(_BARE_CACHE) > 16:
            _BARE_CACHE.clear()
        _BARE_CACHE[shorteners] = pattern
    return pattern


def _merge(urls: list[UrlMatch], bare: list[UrlMatch]) -> list[UrlMatch]:
    """Add bare shortened links not already inside a URL found with its scheme."""
    extra = [b for b in bare if not any(u.start <= b.start < u.end for u in urls)]
    return sorted(urls + extra, key=lambda u: u.start) if extra else urls
