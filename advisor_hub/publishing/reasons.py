"""Why a publication did not go out (or a link failed), in the reader's language.

An outbox row keeps either one of publishing's own reasons (a message id, ``N_``) or the
network's raw words; the raw words are English, so an advisor never reads them: they get
the connectors' advice for the problem they mean (what happened, what to do), in their
language. The raw words stay on the row for the administrator.
"""

from __future__ import annotations

from flask_babel import force_locale, gettext

from advisor_hub.i18n import LANGUAGES
from advisor_hub.publishing.dispatch.outcomes import (
    REASON_ACCOUNT,
    REASON_APPROVAL,
    REASON_HASH,
    REASON_LIBRARY,
    REASON_MEDIA,
    REASON_NO_RECONCILE,
    REASON_POLICY,
    REASON_TOO_LONG,
    REASON_UNKNOWN,
)
from advisor_hub.publishing.models import FailureClass

OWN_REASONS = frozenset({
    REASON_ACCOUNT, REASON_APPROVAL, REASON_HASH, REASON_TOO_LONG, REASON_POLICY,
    REASON_UNKNOWN, REASON_MEDIA, REASON_NO_RECONCILE,
    "Cancelled by the advisor.", "Replaced by an edited version.",
})
_LIBRARY_PREFIX = REASON_LIBRARY.split("%(reason)s")[0]


def reason_text(network: str, message: str | None, failure_class: str | None = None) -> str:
    """The reason in the current language ("" for none)."""
    if not message:
        return ""
    if message in OWN_REASONS:
        return gettext(message)
    if message.startswith(_LIBRARY_PREFIX):
        return gettext(REASON_LIBRARY, reason=gettext(message[len(_LIBRARY_PREFIX):]))
    from advisor_hub.connectors.advice import advise, diagnose_message

    kind = failure_class if failure_class in set(FailureClass) else "permanent"
    advice = advise(diagnose_message(network, message, kind=str(kind)))
    return f"{advice.what} {advice.todo}"


def reason_texts(network: str, message: str | None,
                 failure_class: str | None = None) -> dict[str, str]:
    """The reason in every language, for a notification its reader sees in theirs."""
    texts = {}
    for language in LANGUAGES:
        with force_locale(language):
            texts[language] = reason_text(network, message, failure_class)
    return texts
