"""The lexicon a new installation starts with (the app seeds it into the database).

Notes are for the advisor and the reviewer: why the wording is a problem and what to say instead.
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

STARTER_LEXICON: Final[tuple[LexiconTerm, ...]] = (
    # English
    LexiconTerm("guaranteed returns", "en", "block", _PROMISE),
    LexiconTerm("guaranteed return", "en", "block", _PROMISE),
    LexiconTerm("guaranteed income", "en", "block", _PROMISE),
    LexiconTerm("guaranteed profit", "en", "block", _PROMISE),
    LexiconTerm("guaranteed", "en", "flag", _CHECK),
    LexiconTerm("risk-free", "en", "block", _NO_RISK),
    LexiconTerm("risk free", "en", "block", _NO_RISK),
    LexiconTerm("no risk", "en", "block", _NO_RISK),
    LexiconTerm("zero risk", "en", "block", _NO_RISK),
    LexiconTerm("without risk", "en", "block", _NO_RISK),
    LexiconTerm("safe investment", "en", "flag", _NO_RISK),
    LexiconTerm("double your money", "en", "block", _HYPE),
    LexiconTerm("can't lose", "en", "block", _NO_RISK),
    LexiconTerm("cannot lose", "en", "block", _NO_RISK),
    LexiconTerm("can not lose", "en", "block", _NO_RISK),
    LexiconTerm("you won't lose", "en", "block", _NO_RISK),
    LexiconTerm("tax-free profit", "en", "block", _TAX),
    LexiconTerm("tax-free profits", "en", "block", _TAX),
    LexiconTerm("tax free", "en", "flag", _TAX),
    LexiconTerm("insider", "en", "flag", _INSIDE),
    LexiconTerm("insider tip", "en", "block", _INSIDE),
    LexiconTerm("inside information", "en", "block", _INSIDE),
    LexiconTerm("get rich quick", "en", "block", _HYPE),
    LexiconTerm("sure thing", "en", "block", _HYPE),
    LexiconTerm("once in a lifetime", "en", "flag", _HYPE),
    LexiconTerm("act now", "en", "flag", _HYPE),
    LexiconTerm("high returns", "en", "flag", _HYPE),
    LexiconTerm("beat the market", "en", "flag", _HYPE),
    LexiconTerm("crypto", "any", "flag", "Crypto-assets: only approved wording and products."),
    LexiconTerm("you should invest", "en", "flag", _ADVICE),
    LexiconTerm("buy now", "en", "flag", _ADVICE),
    LexiconTerm("past performance", "en", "flag", _PAST),
    # Français
    LexiconTerm("rendement garanti", "fr", "block", _PROMESSE),
    LexiconTerm("rendements garantis", "fr", "block", _PROMESSE),
    LexiconTerm("performance garantie", "fr", "block", _PROMESSE),
    LexiconTerm("gain garanti", "fr", "block", _PROMESSE),
    LexiconTerm("gains garantis", "fr", "block", _PROMESSE),
    LexiconTerm("garanti", "fr", "flag", _VERIFIER),
    LexiconTerm("garantie", "fr", "flag", _VERIFIER),
    LexiconTerm("sans risque", "fr", "block", _RISQUE),
    LexiconTerm("aucun risque", "fr", "block", _RISQUE),
    LexiconTerm("zéro risque", "fr", "block", _RISQUE),
    LexiconTerm("placement sûr", "fr", "flag", _RISQUE),
    LexiconTerm("doublez votre argent", "fr", "block", _EXCES),
    LexiconTerm("doublez votre capital", "fr", "block", _EXCES),
    LexiconTerm("vous ne pouvez pas perdre", "fr", "block", _RISQUE),
    LexiconTerm("impossible de perdre", "fr", "block", _RISQUE),
    LexiconTerm("bénéfice non imposable", "fr", "block", _FISCAL),
    LexiconTerm("bénéfices non imposables", "fr", "block", _FISCAL),
    LexiconTerm("défiscalisation garantie", "fr", "block", _FISCAL),
    LexiconTerm("net d'impôt", "fr", "flag", _FISCAL),
    LexiconTerm("initié", "fr", "flag", _INITIE),
    LexiconTerm("délit d'initié", "fr", "flag", _INITIE),
    LexiconTerm("information privilégiée", "fr", "block", _INITIE),
    LexiconTerm("tuyau", "fr", "flag", _INITIE),
    LexiconTerm("devenir riche rapidement", "fr", "block", _EXCES),
    LexiconTerm("enrichissement rapide", "fr", "block", _EXCES),
    LexiconTerm("argent facile", "fr", "block", _EXCES),
    LexiconTerm("opportunité unique", "fr", "flag", _EXCES),
    LexiconTerm("achetez maintenant", "fr", "flag", _CONSEIL),
    LexiconTerm("vous devriez investir", "fr", "flag", _CONSEIL),
    LexiconTerm("performances passées", "fr", "flag",
                "Les performances passées doivent être accompagnées de l'avertissement légal."),
)
