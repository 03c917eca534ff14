"""What the policy engine reports: one `Finding` per problem found in a text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal

Severity = Literal["block", "flag"]
BLOCK: Final = "block"
FLAG: Final = "flag"
SEVERITIES: Final = frozenset({BLOCK, FLAG})


def N_(message: str) -> str:
    """Mark a message for extraction by pybabel (``-k N_``) without translating it here.

    The engine has no locale: the app translates ``finding.message_id`` with gettext and
    interpolates ``finding.params``.
    """
    return message


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in a text. ``text[start:end]`` is exactly what was matched."""

    rule: str
    severity: Severity
    start: int
    end: int
    message_id: str
    params: Mapping[str, str] = field(default_factory=dict, hash=False)
    note: str | None = None      # the lexicon's note, in English ...
    note_fr: str | None = None   # ... and in French

    def __post_init__(self) -> None:
        # Frozen all the way down: the params cannot be changed after the fact.
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    @property
    def message(self) -> str:
        """The English message (``message_id % params``)."""
        return self.message_id % dict(self.params)

    @property
    def blocks(self) -> bool:
        return self.severity == BLOCK

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (to store with a review request, or send to the composer)."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "message_id": self.message_id,
            "params": dict(self.params),
            "note": self.note,
            "note_fr": self.note_fr,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Finding:
        return cls(
            rule=str(data["rule"]),
            severity=data["severity"],  # type: ignore[arg-type]
            start=int(data["start"]),  # type: ignore[call-overload]
            end=int(data["end"]),  # type: ignore[call-overload]
            message_id=str(data["message_id"]),
            params=dict(data.get("params") or {}),  # type: ignore[call-overload]
            note=data.get("note"),  # type: ignore[arg-type]
            note_fr=data.get("note_fr"),  # type: ignore[arg-type]
        )
