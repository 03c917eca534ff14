"""Screening a text (and its link) with the compiled policy of the version in force.

Each process keeps the compiled policy of one version and checks the current version number
(one small query) before screening, so a change takes effect everywhere without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from approvals.lexicon_admin import list_link_rules, terms_at
from approvals.models import LexiconVersion, LinkKind
from approvals.policy import (
    CompiledPolicy,
    Finding,
    LexiconTerm,
    LinkRules,
    PolicyConfig,
    compile_policy,
)


@dataclass(frozen=True)
class Screening:
    findings: list[Finding]           # spans point into the text
    lexicon_version: int
    blocked: bool
    link_findings: list[Finding] = field(default_factory=list)  # spans point into link_url

    @property
    def count(self) -> int:
        return len(self.findings) + len(self.link_findings)

    @property
    def messages(self) -> list[str]:
        """The text's findings, each as a sentence in the reader's language."""
        from approvals.display import finding_text

        return [finding_text(f) for f in self.findings]


class PolicyVersionCache:
    """The compiled policy of one version per process (key: version number and token)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, str] | None = None
        self._policy: CompiledPolicy | None = None

    def get(self, session: Session) -> CompiledPolicy:
        row = session.execute(
            select(LexiconVersion.id, LexiconVersion.token)
            .order_by(LexiconVersion.id.desc()).limit(1)
        ).first()
        key = (row[0], row[1]) if row is not None else (0, "")
        policy = self._policy
        if policy is not None and self._key == key:
            return policy
        with self._lock:
            if self._policy is not None and self._key == key:
                return self._policy
            policy = compile_policy(load_config(session, key[0]))
            self._key, self._policy = key, policy
            return policy

    def clear(self) -> None:
        with self._lock:
            self._key, self._policy = None, None


policy_cache = PolicyVersionCache()


def load_config(session: Session, version: int) -> PolicyConfig:
    """The lexicon of ``version`` and the link rules, as the policy engine takes them."""
    terms = [LexiconTerm(e.term, e.language, e.severity,  # type: ignore[arg-type]
                         e.note, e.note_fr)
             for e in terms_at(session, version)]
    rules = list_link_rules(session)
    links = LinkRules(allow=frozenset(r.domain for r in rules if r.kind == LinkKind.ALLOW),
                      deny=frozenset(r.domain for r in rules if r.kind == LinkKind.DENY))
    return PolicyConfig(lexicon=terms, links=links, version=version)


def screen_text(session: Session, text: str, *, link_url: str | None = None,
                allowed_contacts: frozenset[str] = frozenset()) -> Screening:
    """Screen a text (and its link) with the policy in force now."""
    return _screen(policy_cache.get(session), text, link_url, allowed_contacts)


def screen_texts(session: Session, items: Sequence[tuple[str, str | None]]
                 ) -> list[Screening]:
    """Screen (text, link) pairs with one policy in force now (the publisher's batches)."""
    policy = policy_cache.get(session)
    return [_screen(policy, text, link_url, frozenset()) for text, link_url in items]


def _screen(policy: CompiledPolicy, text: str, link_url: str | None,
            allowed_contacts: frozenset[str]) -> Screening:
    findings = policy.screen(text or "", allowed_contacts=allowed_contacts)
    link_findings = policy.links.check(link_url) if link_url else []
    blocked = any(f.blocks for f in findings) or any(f.blocks for f in link_findings)
    return Screening(findings=findings, lexicon_version=policy.version, blocked=blocked,
                     link_findings=link_findings)
