"""Clients' sensitive data in public comments: found with the policy engine's PII detectors,
and never repeated in a reply.

Which findings count: an IBAN, a card, an account, a phone number, a national id (the rules
``pii:*`` but e-mail). The comparison of a reply with the comment is on letters and digits
only, so "FR76 3000 ..." and "fr7630000..." are the same value.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from approvals.services import screen_text

SENSITIVE_RULES = frozenset({"pii:iban", "pii:card", "pii:account", "pii:phone", "pii:nir",
                             "pii:ssn"})
# A value shorter than this is not compared (a branch's 4-digit code is not client data).
MIN_VALUE_LENGTH = 6
MIN_DIGITS = 8
_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def compact(text: str) -> str:
    return _NOT_ALNUM.sub("", text).casefold()


def sensitive_values(session: Session, text: str) -> list[tuple[str, str]]:
    """(rule, value as written) of every sensitive finding in ``text``."""
    screening = screen_text(session, text)
    return [(f.rule, text[f.start:f.end]) for f in screening.findings
            if f.rule in SENSITIVE_RULES]


def sensitive_rules(session: Session, text: str) -> list[str]:
    return sorted({rule for rule, _value in sensitive_values(session, text)})


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def repeats(session: Session, comment_text: str, reply_text: str) -> bool:
    """Whether the reply contains a sensitive value of the comment, spaced or not, whole or
    any eight of its digits in a row (an IBAN quoted without its country code, a card number
    in part)."""
    reply, reply_digits = compact(reply_text), _digits(reply_text)
    for _rule, value in sensitive_values(session, comment_text):
        whole, digits = compact(value), _digits(value)
        if len(whole) >= MIN_VALUE_LENGTH and whole in reply:
            return True
        if len(digits) >= MIN_DIGITS and any(
                digits[i:i + MIN_DIGITS] in reply_digits
                for i in range(len(digits) - MIN_DIGITS + 1)):
            return True  # eight of its digits in a row, however the reply spaces them
    return False
