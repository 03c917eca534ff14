"""Link rules: URLs in a text, checked against deny/allow lists and known link shorteners."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
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
# written in prose. Trailing punctuation is trimmed afterwards. Only tried where "http" or "www."
# occurs (found with bytes.find, much cheaper than a regex scan of the whole text).
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`{}|\\^]+", re.IGNORECASE)
# A bare link, "bit.ly/3xYz": a host (alphabetic top-level domain) right before a "/".
_BARE_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")
_PATH = re.compile(r"/[^\s<>\"'`{}|\\^]*")
_NOT_BEFORE_LINK: Final = frozenset("./-@_:")
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
    if not host or len(host) > 253:  # longer is no DNS name (and would make lookups slow)
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


def _glued(text: str, start: int) -> bool:
    """True when the link candidate at ``start`` continues a word, host or path."""
    if start == 0:
        return False
    before = text[start - 1]
    return before.isalnum() or before in _NOT_BEFORE_LINK


# Keys the engine's lexicon pass looks for; without any of them only bare links are possible.
HINTS: Final = frozenset({"http", "www."})


def find_urls(
    text: str, view: bytes | None = None, hints: Collection[str] | None = None
) -> list[UrlMatch]:
    """Links in ``text`` and their host (lower case, without "www.").

    Finds URLs with a scheme (http, https), starting with "www.", and bare links with a path
    ("bit.ly/3xYz", "casino.com/offer"), which is how shortened links are often pasted.
    """
    # Lower-cased, one byte per character: offsets in `folded` are offsets in `text`.
    # (`view` is `Normalized.view`, which the engine has already computed.)
    folded = view if view is not None else text.encode("ascii", "replace").lower()
    starts = []
    if hints is None or "http" in hints:
        starts += _positions(folded, b"http")
    if hints is None or "www." in hints:
        starts += _positions(folded, b"www.")
    slash = folded.find(b"/")
    if not starts and slash == -1:
        return []
    found: list[UrlMatch] = []
    covered = 0  # end of the last link found: candidates before it are inside it
    for start in sorted(starts):
        if start < covered or _glued(text, start):
            continue
        m = _URL.match(text, start)
        if m is None:
            continue
        url = _trim(m.group())
        host = _host_of(url)
        if host is not None:
            found.append(UrlMatch(start, start + len(url), url, host))
            covered = start + len(url)
    if slash != -1:
        bare = _bare_links(text, folded, slash, found)
        if bare:
            found = sorted(found + bare, key=lambda u: u.start)
    return found


def _positions(haystack: bytes, needle: bytes) -> list[int]:
    out = []
    i = haystack.find(needle)
    while i != -1:
        out.append(i)
        i = haystack.find(needle, i + 1)
    return out


def _bare_links(text: str, folded: bytes, slash: int, urls: list[UrlMatch]) -> list[UrlMatch]:
    found: list[UrlMatch] = []
    while slash != -1:
        inside = any(u.start <= slash < u.end for u in urls) or (found and slash < found[-1].end)
        # A top-level domain ends with a letter: dates ("12/03") and fractions cost nothing.
        if (
            not inside
            and slash > 0
            and text[slash - 1].isascii()
            and text[slash - 1].isalpha()
            and folded.rfind(b".", max(0, slash - 80), slash) != -1
        ):
            host = _BARE_HOST.search(text, max(0, slash - 80), slash)
            if host and not _glued(text, host.start()):
                path = _PATH.match(text, slash)
                url = _trim(host.group() + (path.group() if path else "/"))
                name = _host_of(url)
                if name is not None and len(url) > len(host.group()) + 1:
                    found.append(UrlMatch(host.start(), host.start() + len(url), url, name))
        slash = folded.find(b"/", slash + 1)
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

    def check(
        self, text: str, view: bytes | None = None, hints: Collection[str] | None = None
    ) -> list[Finding]:
        """Findings for the links in ``text`` (``view``, ``hints``: see `find_urls`)."""
        findings: list[Finding] = []
        for url in find_urls(text, view, hints):
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
