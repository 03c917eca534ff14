"""Compliance policy engine: lexicon, PII detectors and link rules. Pure Python, no Flask, no DB.

    policy = compiled_for(version, load_config)  # cached per process, rebuilt on a new version
    for f in screen(text, policy, allowed_contacts={"me@bank.fr", "+33 6 12 34 56 78"}):
        f.rule, f.severity, text[f.start:f.end], f.message, f.note

`PolicyConfig(lexicon, links, version)` is what compliance maintains (`LexiconTerm` rows and
`LinkRules`); `STARTER_LEXICON` is seeded on a new installation. A `Finding`'s message is
``message_id % params`` in English; the app translates ``message_id`` with gettext (the ids are
marked with ``N_`` for pybabel) and interpolates ``params`` itself.
"""

from .detectors import iban_valid, luhn_valid, nir_valid
from .engine import (
    CompiledPolicy,
    PolicyCache,
    PolicyConfig,
    compile_policy,
    compiled_for,
    screen,
)
from .findings import BLOCK, FLAG, Finding, Severity
from .lexicon import LexiconTerm
from .links import DEFAULT_SHORTENERS, LinkRules, UrlMatch, clean_domain, find_urls
from .normalize import Normalized, normalize, normalize_term
from .starter_lexicon import STARTER_LEXICON

__all__ = [
    "BLOCK",
    "DEFAULT_SHORTENERS",
    "FLAG",
    "STARTER_LEXICON",
    "CompiledPolicy",
    "Finding",
    "LexiconTerm",
    "LinkRules",
    "Normalized",
    "PolicyCache",
    "PolicyConfig",
    "Severity",
    "UrlMatch",
    "clean_domain",
    "compile_policy",
    "compiled_for",
    "find_urls",
    "iban_valid",
    "luhn_valid",
    "nir_valid",
    "normalize",
    "normalize_term",
    "screen",
]
