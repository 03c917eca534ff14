"""The policy engine: compile a policy once per version, screen every text against it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from .detectors import HINTS as PII_HINTS
from .detectors import Contacts, find_pii
from .findings import FLAG, N_, Finding
from .lexicon import LexiconMatcher, LexiconTerm
from .links import HINTS as LINK_HINTS
from .links import LinkRules
from .normalize import Normalized
from .scripts import bidi_controls, has_override, mixed_script_words, visual_order

log = logging.getLogger(__name__)

MSG_ENGINE_ERROR: Final = N_("Automatic screening failed; a reviewer must read this text")


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    """What compliance maintains: the lexicon, the link rules, and a version number that the
    app bumps on every change (the cache key)."""

    lexicon: Sequence[LexiconTerm] = ()
    links: LinkRules = field(default_factory=LinkRules)
    version: int = 0


class CompiledPolicy:
    """A `PolicyConfig` made ready to screen texts. Immutable; share it between threads."""

    __slots__ = ("version", "lexicon", "links", "_matcher")

    version: int
    lexicon: tuple[LexiconTerm, ...]
    links: LinkRules

    def __init__(self, config: PolicyConfig) -> None:
        lexicon = tuple(config.lexicon)
        object.__setattr__(self, "version", config.version)
        object.__setattr__(self, "lexicon", lexicon)
        object.__setattr__(self, "links", config.links)
        object.__setattr__(self, "_matcher", LexiconMatcher(lexicon, PII_HINTS | LINK_HINTS))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"CompiledPolicy is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"CompiledPolicy is immutable (cannot delete {name!r})")

    def _spoofing(self, text: str, watched: list[int], language: str | None,
                  found: list[Finding]) -> list[Finding]:
        """Mixed-script words, bidi controls, and the lexicon read in display order when a
        right-to-left override reverses part of the text."""
        extra = mixed_script_words(text, watched) + bidi_controls(text, watched)
        if has_override(text, watched):
            shown, offsets = visual_order(text)
            seen = {(f.rule, f.start, f.end) for f in found}
            for f in self._matcher.scan(Normalized(shown), language):
                covered = offsets[f.start:f.end]
                start, end = min(covered), max(covered) + 1
                if (f.rule, start, end) not in seen:
                    seen.add((f.rule, start, end))
                    extra.append(Finding(f.rule, f.severity, start, end, f.message_id,
                                         f.params, f.note, f.note_fr))
        return extra

    def __repr__(self) -> str:
        return f"<CompiledPolicy v{self.version}: {self._matcher.size} terms>"

    def screen(
        self,
        text: str,
        *,
        allowed_contacts: Iterable[str] | None = None,
        language: str | None = None,
    ) -> list[Finding]:
        """Findings for ``text``, sorted by start. Never raises.

        ``allowed_contacts``: the advisor's own professional e-mails and phone numbers, which
        may appear in a post. ``language`` ("en"/"fr"): only terms of that language or "any"
        apply; None applies every term.
        """
        if not text:
            return []
        findings: list[Finding] = []
        try:
            norm = Normalized(text)
            hints: set[str] = set()
            findings.extend(self._matcher.scan(norm, language, hints))
            if norm.watched:
                findings.extend(self._spoofing(text, norm.watched, language, findings))
            contacts = Contacts.of(allowed_contacts)
            findings.extend(find_pii(text, norm.view, contacts, hints))
            findings.extend(self.links.check(text, norm.view, hints))
        except Exception:
            # Fail closed: a bug here must not let a text through unscreened.
            log.exception("policy screening failed (policy v%s)", self.version)
            findings.append(
                Finding("engine:error", FLAG, 0, len(text), MSG_ENGINE_ERROR, {})
            )
        findings.sort(key=lambda f: (f.start, -f.end, f.rule))
        return findings


def compile_policy(config: PolicyConfig) -> CompiledPolicy:
    return CompiledPolicy(config)


def screen(
    text: str,
    rules: CompiledPolicy,
    *,
    allowed_contacts: Iterable[str] | None = None,
    language: str | None = None,
) -> list[Finding]:
    """Screen ``text`` against a compiled policy; see `CompiledPolicy.screen`."""
    return rules.screen(text, allowed_contacts=allowed_contacts, language=language)


class PolicyCache:
    """Holds the compiled policy of the current version; rebuilds only when it changes.

    Each process keeps its own; since the version comes from the database on each call, a
    lexicon change reaches every process without a restart.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: CompiledPolicy | None = None

    def get(self, version: int, loader: Callable[[], PolicyConfig]) -> CompiledPolicy:
        current = self._current  # one read: no lock on the hot path
        if current is not None and current.version == version:
            return current
        with self._lock:
            current = self._current
            if current is not None and current.version == version:
                return current  # another thread built it while we waited
            config = loader()
            if config.version != version:
                # The loader's config is authoritative for the content; the key is the version
                # the caller read, so the next call with that version hits the cache.
                config = PolicyConfig(config.lexicon, config.links, version)
            compiled = CompiledPolicy(config)
            self._current = compiled
            return compiled

    def clear(self) -> None:
        with self._lock:
            self._current = None


_default_cache = PolicyCache()


def compiled_for(version: int, loader: Callable[[], PolicyConfig]) -> CompiledPolicy:
    """The process-wide compiled policy for ``version``; ``loader`` runs only on a change."""
    return _default_cache.get(version, loader)
