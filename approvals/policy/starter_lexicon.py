"""The lexicon a new installation starts with (the app seeds it into the database).

Notes are for the advisor and the reviewer: why the wording is a problem and what to say instead.
Each note is kept in English and in French (the reader sees their own language).
"block": promises or claims no financial promotion may make. "flag": wording that is fine in the
right context, which a reviewer must check.
"""

from __future__ import annotations

from typing import Final

from .lexicon import LexiconTerm

_PROMISE = "A return cannot be promised: every investment carries a risk of loss."
_NO_RISK = "No investment is without risk; say what the risks are instead."
_INSIDE = "Suggests inside information: possible market abuse (MAR art. 10)."
_TAX = "Tax treatment depends on each client's situation; do not promise it."
_HYPE = "Exaggerated, unbalanced promotion: financial promotions must be fair and not misleading."
_PROMESSE = "Un rendement ne peut pas être promis : tout placement comporte un risque de perte."
_RISQUE = "Aucun placement n'est sans risque ; présentez plutôt les risques."
_INITIE = "Laisse entendre une information privilégiée : abus de marché possible (MAR art. 10)."
_FISCAL = "La fiscalité dépend de la situation de chaque client ; ne la promettez pas."
_EXCES = "Promotion excessive ou déséquilibrée : la communication doit être claire et exacte."
_ADVICE = "Sounds like personal advice; a public post cannot know a client's situation."
_CONSEIL = "Ressemble à un conseil personnalisé : un post public ignore la situation du client."
_CHECK = "Check what is guaranteed, by whom, and on what terms."
_VERIFIER = "Vérifiez ce qui est garanti, par qui et à quelles conditions."
_PAST = "Past performance must come with the warning that it does not predict future results."

# (English, French): the same note in both languages.
PROMISE: Final = (_PROMISE, _PROMESSE)
NO_RISK: Final = (_NO_RISK, _RISQUE)
INSIDE: Final = (_INSIDE, _INITIE)
TAX: Final = (_TAX, _FISCAL)
HYPE: Final = (_HYPE, _EXCES)
ADVICE: Final = (_ADVICE, _CONSEIL)
CHECK: Final = (_CHECK, _VERIFIER)
PAST: Final = (_PAST, "Les performances passées doivent être accompagnées de l'avertissement "
                      "qu'elles ne préjugent pas des performances futures.")
PAST_FR: Final = ("Past performance must come with the legal warning.",
                  "Les performances passées doivent être accompagnées de l'avertissement légal.")
CRYPTO: Final = ("Crypto-assets: only approved wording and products.",
                 "Crypto-actifs : uniquement les formulations et produits approuvés.")
STARTER_LEXICON: Final[tuple[LexiconTerm, ...]] = (
    # English
    LexiconTerm("guaranteed returns", "en", "block", *PROMISE),
    LexiconTerm("guaranteed return", "en", "block", *PROMISE),
    LexiconTerm("guaranteed income", "en", "block", *PROMISE),
    LexiconTerm("guaranteed profit", "en", "block", *PROMISE),
    LexiconTerm("guaranteed", "en", "flag", *CHECK),
    LexiconTerm("risk-free", "en", "block", *NO_RISK),
    LexiconTerm("risk free", "en", "block", *NO_RISK),
    LexiconTerm("no risk", "en", "block", *NO_RISK),
    LexiconTerm("zero risk", "en", "block", *NO_RISK),
    LexiconTerm("without risk", "en", "block", *NO_RISK),
    LexiconTerm("safe investment", "en", "flag", *NO_RISK),
    LexiconTerm("double your money", "en", "block", *HYPE),
    LexiconTerm("can't lose", "en", "block", *NO_RISK),
    LexiconTerm("cannot lose", "en", "block", *NO_RISK),
    LexiconTerm("can not lose", "en", "block", *NO_RISK),
    LexiconTerm("you won't lose", "en", "block", *NO_RISK),
    LexiconTerm("tax-free profit", "en", "block", *TAX),
    LexiconTerm("tax-free profits", "en", "block", *TAX),
    LexiconTerm("tax free", "en", "flag", *TAX),
    LexiconTerm("insider", "en", "flag", *INSIDE),
    LexiconTerm("insider tip", "en", "block", *INSIDE),
    LexiconTerm("inside information", "en", "block", *INSIDE),
    LexiconTerm("get rich quick", "en", "block", *HYPE),
    LexiconTerm("sure thing", "en", "block", *HYPE),
    LexiconTerm("once in a lifetime", "en", "flag", *HYPE),
    LexiconTerm("act now", "en", "flag", *HYPE),
    LexiconTerm("high returns", "en", "flag", *HYPE),
    LexiconTerm("beat the market", "en", "flag", *HYPE),
    LexiconTerm("crypto", "any", "flag", *CRYPTO),
    LexiconTerm("you should invest", "en", "flag", *ADVICE),
    LexiconTerm("buy now", "en", "flag", *ADVICE),
    LexiconTerm("past performance", "en", "flag", *PAST),
    # Français
    LexiconTerm("rendement garanti", "fr", "block", *PROMISE),
    LexiconTerm("rendements garantis", "fr", "block", *PROMISE),
    LexiconTerm("performance garantie", "fr", "block", *PROMISE),
    LexiconTerm("gain garanti", "fr", "block", *PROMISE),
    LexiconTerm("gains garantis", "fr", "block", *PROMISE),
    LexiconTerm("garanti", "fr", "flag", *CHECK),
    LexiconTerm("garantie", "fr", "flag", *CHECK),
    LexiconTerm("sans risque", "fr", "block", *NO_RISK),
    LexiconTerm("aucun risque", "fr", "block", *NO_RISK),
    LexiconTerm("zéro risque", "fr", "block", *NO_RISK),
    LexiconTerm("placement sûr", "fr", "flag", *NO_RISK),
    LexiconTerm("doublez votre argent", "fr", "block", *HYPE),
    LexiconTerm("doublez votre capital", "fr", "block", *HYPE),
    LexiconTerm("vous ne pouvez pas perdre", "fr", "block", *NO_RISK),
    LexiconTerm("impossible de perdre", "fr", "block", *NO_RISK),
    LexiconTerm("bénéfice non imposable", "fr", "block", *TAX),
    LexiconTerm("bénéfices non imposables", "fr", "block", *TAX),
    LexiconTerm("défiscalisation garantie", "fr", "block", *TAX),
    LexiconTerm("net d'impôt", "fr", "flag", *TAX),
    LexiconTerm("initié", "fr", "flag", *INSIDE),
    LexiconTerm("délit d'initié", "fr", "flag", *INSIDE),
    LexiconTerm("information privilégiée", "fr", "block", *INSIDE),
    LexiconTerm("tuyau", "fr", "flag", *INSIDE),
    LexiconTerm("devenir riche rapidement", "fr", "block", *HYPE),
    LexiconTerm("enrichissement rapide", "fr", "block", *HYPE),
    LexiconTerm("argent facile", "fr", "block", *HYPE),
    LexiconTerm("opportunité unique", "fr", "flag", *HYPE),
    LexiconTerm("achetez maintenant", "fr", "flag", *ADVICE),
    LexiconTerm("vous devriez investir", "fr", "flag", *ADVICE),
    LexiconTerm("performances passées", "fr", "flag", *PAST_FR),
)
