"""PII detectors: bank and card numbers, national ids, account numbers, e-mails, phones.

Every detector blocks, and its message never repeats the whole value (only its last digits or
an e-mail's domain), since messages end up in notifications and logs.

Speed: a regex scan costs ~15-30 ns per character in CPython, so instead of one scan per
detector, one scan finds the clusters of digits (plus separators) and the number detectors run
only on a small window around each cluster with enough digits. Texts without a digit or an
"@" skip everything.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from .findings import BLOCK, N_, Finding

MSG_IBAN: Final = N_("IBAN ending in …%(last4)s: bank details must not be posted")
MSG_CARD: Final = N_("Payment card number ending in …%(last4)s")
MSG_NIR: Final = N_("French social security number (NIR) ending in …%(last2)s")
MSG_SSN: Final = N_("US Social Security number ending in …%(last4)s")
MSG_ACCOUNT: Final = N_("Account number ending in …%(last4)s")
MSG_EMAIL: Final = N_("Third-party e-mail address at %(domain)s: only your own may be posted")
MSG_PHONE: Final = N_("Third-party phone number ending in …%(last2)s: only yours may be posted")

# IBAN lengths by country (ISO 13616 registry); an IBAN for another country must be 15-34 long.
IBAN_LENGTHS: Final = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

_SEP = r"[ .\-\u00a0\u202f]"
# A run of digits with single separators between groups ("06 12 34 56 78", "4111-1111-...",
# "1 85 05 2A 123 456 78"); a leading "+" for phones.
# It starts with a plain character class so that the regex engine can skip to candidates in C
# (an optional "+" first would make it try every position).
_CLUSTER = re.compile(r"[0-9+](?:[0-9]|[ .\-/()\u00a0\u202f]{1,2}(?=[0-9+(])|(?<=2)[ABab])*")
_DIGIT_BYTES: Final = b"0123456789"
_MIN_CLUSTER_DIGITS: Final = 6
_CLUSTER_START: Final = bytes(48 if chr(b) in "0123456789+" else 32 for b in range(256))

_IBAN = re.compile(
    r"([A-Za-z]{2}[0-9]{2}(?:[ \u00a0]?[A-Za-z0-9]{4}){2,7}(?:[ \u00a0]?[A-Za-z0-9]{1,3})?)"
)
_CARD = re.compile(r"(?<![0-9])[0-9](?:[ \-]?[0-9]){12,18}(?![0-9])")
_SSN = re.compile(r"(?<![0-9\-])([0-9]{3})-([0-9]{2})-([0-9]{4})(?![0-9])")
_NIR = re.compile(rf"(?<![0-9])[1-478](?:{_SEP}?[0-9]){{4}}{_SEP}?(?:[0-9]{{2}}|2[ABab])"
                  rf"(?:{_SEP}?[0-9]){{6}}{_SEP}?[0-9]{{2}}(?![0-9])")
_PHONE = re.compile(
    rf"(?<![0-9+])(?:"
    rf"\+[1-9](?:{_SEP}?\(?[0-9]\)?){{6,14}}"  # international, E.164: up to 15 digits
    rf"|00[1-9](?:{_SEP}?[0-9]){{6,13}}"  # international with 00 prefix
    rf"|0[1-9](?:{_SEP}?[0-9]{{2}}){{4}}"  # French national: 06 12 34 56 78
    rf")(?!{_SEP}?[0-9])"  # the whole digit run, not the start of a longer number
)
_ACCOUNT_KEYWORD = re.compile(
    r"(?:\bn[°ºo]\.?\s*de\s+compte|\bnum[ée]ro\s+de\s+compte|\baccount(?:\s+(?:number|no\.?))?"
    r"|\bacct\.?|\bcompte(?:\s+bancaire|\s+courant)?)"
    r"\s*(?:n[°º]\.?|no\.?|nr\.?|#|number|num[ée]ro)?\s*[:=]?\s*$",
    re.IGNORECASE,
)
_ACCOUNT_NUMBER = re.compile(r"[0-9](?:[ \-]?[0-9]){5,33}(?![0-9])")
# Words that must precede an account number; the engine finds them in its lexicon pass.
HINTS: Final = frozenset({"account", "acct", "compte"})

_LOCAL_CHARS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-"
)
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9._%+\-]+$")
_EMAIL_DOMAIN = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)


def _digits(value: str) -> str:
    return "".join(filter(str.isdigit, value))


def _alnum_boundary(text: str, start: int, end: int) -> bool:
    """True when the span is not glued to a letter or digit on either side."""
    return (start == 0 or not text[start - 1].isalnum()) and (
        end == len(text) or not text[end].isalnum()
    )


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = ord(char) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616 / ISO 7064 mod 97-10 check of a compact IBAN ("FR7630006000011234567890189")."""
    iban = iban.upper()
    if not (15 <= len(iban) <= 34 and iban[:2].isalpha() and iban[2:4].isdigit()):
        return False
    if not iban.isascii() or not iban.isalnum():
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def nir_valid(nir: str) -> bool:
    """French NIR: 13 characters (Corsica "2A"/"2B" in the department) + key = 97 - n mod 97."""
    nir = nir.upper()
    if len(nir) != 15 or not nir[13:].isdigit():
        return False
    body = nir[:13]
    if body[5:7] == "2A":
        body = body[:5] + "19" + body[7:]
    elif body[5:7] == "2B":
        body = body[:5] + "18" + body[7:]
    if not body.isdigit():
        return False
    return 97 - int(body) % 97 == int(nir[13:])


def ssn_valid(area: str, group: str, serial: str) -> bool:
    return (
        area not in ("000", "666")
        and not area.startswith("9")
        and group != "00"
        and serial != "0000"
    )


def phone_key(value: str) -> str:
    """Canonical form for comparing phone numbers: digits with the country code (FR default)."""
    digits = _digits(value)
    if value.strip().startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if len(digits) == 10 and digits.startswith("0"):
        return "33" + digits[1:]
    return digits


def _mask_tail(digits: str, n: int) -> str:
    return digits[-n:]


@dataclass(frozen=True, slots=True)
class Contacts:
    """The advisor's own professional e-mails and phones: these may be posted."""

    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()

    @classmethod
    def of(cls, values: Iterable[str] | None) -> Contacts:
        if not values:
            return _NO_CONTACTS
        emails, phones = set(), set()
        for value in values:
            if "@" in value:
                emails.add(value.strip().casefold())
            elif _digits(value):
                phones.add(phone_key(value))
        return cls(frozenset(emails), frozenset(phones))


_NO_CONTACTS: Final = Contacts()


def _pii(rule: str, start: int, end: int, message_id: str, **params: str) -> Finding:
    return Finding(rule=rule, severity=BLOCK, start=start, end=end, message_id=message_id,
                   params=params)


def find_pii(
    text: str,
    view: bytes,
    contacts: Contacts = _NO_CONTACTS,
    hints: Collection[str] | None = None,
) -> list[Finding]:
    """All PII findings in ``text``.

    ``view`` is `Normalized.view`: one lower-cased byte per character, for cheap prefilters.
    ``hints``: which of `HINTS` the folded text contains, if already known (the lexicon pass
    finds them at no extra cost); None to look here.
    """
    findings: list[Finding] = []
    if 64 in view:  # "@"
        findings.extend(_find_emails(text, contacts))
    if any(d in view for d in _DIGIT_BYTES):
        if hints is None:
            account_hint = any(h.encode() in view for h in HINTS)
        else:
            account_hint = not hints.isdisjoint(HINTS)
        for cluster in _clusters(text, view):
            start, end = cluster.span()
            # An IBAN's check digits follow its country code ("FR76 ..."); its BBAN may hold
            # letters ("GB82 WEST 1234..."), so this cluster can be short.
            if start >= 2 and (country := text[start - 2:start]).isascii() and country.isalpha():
                iban = _IBAN.match(text, start - 2)
                if iban:
                    findings.extend(_iban_finding(text, iban))
            if end - start < _MIN_CLUSTER_DIGITS:
                continue
            digits = sum(map(str.isdigit, cluster.group()))
            if digits >= _MIN_CLUSTER_DIGITS:
                findings.extend(_numbers_in(text, start, end, digits, contacts, account_hint))
    return findings


def _clusters(text: str, view: bytes) -> Iterator[re.Match[str]]:
    """`_CLUSTER` matches, as `finditer` would give them, but found through a translated
    `view` (digit and "+" -> b"0") and `bytes.find`: several times cheaper than a regex scan.
    """
    marks = view.translate(_CLUSTER_START)
    i = marks.find(48)
    while i != -1:
        cluster = _CLUSTER.match(text, i)
        if cluster is None:  # a character that folds to a digit ("²"), not a digit
            i = marks.find(48, i + 1)
            continue
        yield cluster
        i = marks.find(48, cluster.end())


def _numbers_in(
    text: str, lo: int, hi: int, digits: int, contacts: Contacts, account_hint: bool
) -> list[Finding]:
    """Number detectors on the cluster ``text[lo:hi]``, which holds ``digits`` digits.

    Detectors that need more digits than the cluster has are skipped (dates and amounts are
    the usual clusters, and should cost next to nothing).
    """
    found: list[Finding] = []
    stop = min(len(text), hi + 1)  # one more character so that lookaheads see what follows
    if digits >= 13:
        found.extend(_cards_and_nirs(text, lo, stop))
    if digits >= 9 and "-" in text[lo:hi]:
        for m in _SSN.finditer(text, lo, stop):
            if _alnum_boundary(text, *m.span()) and ssn_valid(*m.groups()):
                found.append(_pii("pii:ssn", *m.span(), MSG_SSN, last4=m.group(3)))
    # A phone number is a whole cluster: digits before it make it part of something else.
    phone = _PHONE.match(text, lo, stop) if digits >= 7 else None
    if (
        phone
        and _alnum_boundary(text, *phone.span())
        and phone_key(phone.group()) not in contacts.phones
    ):
        last2 = _digits(phone.group())[-2:]
        found.append(_pii("pii:phone", *phone.span(), MSG_PHONE, last2=last2))
    if account_hint:
        for m in _ACCOUNT_NUMBER.finditer(text, lo, stop):
            if not _alnum_boundary(text, *m.span()):
                continue
            if _ACCOUNT_KEYWORD.search(text, max(0, m.start() - 40), m.start()):
                number = _digits(m.group())
                found.append(
                    _pii("pii:account", *m.span(), MSG_ACCOUNT, last4=_mask_tail(number, 4))
                )
    return found


def _cards_and_nirs(text: str, lo: int, stop: int) -> list[Finding]:
    found: list[Finding] = []
    for m in _CARD.finditer(text, lo, stop):
        if _alnum_boundary(text, *m.span()) and luhn_valid(digits := _digits(m.group())):
            found.append(_pii("pii:card", *m.span(), MSG_CARD, last4=_mask_tail(digits, 4)))
    for m in _NIR.finditer(text, lo, stop):
        compact = re.sub(r"[^0-9ABab]", "", m.group())
        if _alnum_boundary(text, *m.span()) and nir_valid(compact):
            found.append(_pii("pii:nir", *m.span(), MSG_NIR, last2=compact[-2:]))
    return found


def _iban_finding(text: str, m: re.Match[str]) -> list[Finding]:
    raw = m.group(1)
    start = m.start(1)
    if start > 0 and text[start - 1].isalnum():
        return []
    country = raw[:2].upper()
    compact_len = IBAN_LENGTHS.get(country)
    # Position in `raw` of each alphanumeric character, to cut at the country's IBAN length
    # (the regex may have taken a word that follows, "FR76 ... 189 EUR").
    positions = [i for i, c in enumerate(raw) if c.isalnum()]
    if compact_len is None:
        compact_len = len(positions)
    if len(positions) < compact_len:
        return []
    end = start + positions[compact_len - 1] + 1
    if end < len(text) and text[end].isalnum():
        return []
    compact = "".join(raw[i] for i in positions[:compact_len])
    if not iban_valid(compact):
        return []
    return [_pii("pii:iban", start, end, MSG_IBAN, last4=compact[-4:])]


def _find_emails(text: str, contacts: Contacts) -> list[Finding]:
    found: list[Finding] = []
    at = text.find("@")
    while at != -1:
        if not (0 < at < len(text) - 1 and text[at - 1] in _LOCAL_CHARS and text[at + 1].isalnum()):
            at = text.find("@", at + 1)
            continue
        local = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        if local and domain:
            start, end = local.start(), domain.end()
            address = text[start:end]
            if address.casefold() not in contacts.emails:
                found.append(
                    _pii("pii:email", start, end, MSG_EMAIL, domain=domain.group().lower())
                )
            at = text.find("@", end)
        else:
            at = text.find("@", at + 1)
    return found
