"""The policy as compliance keeps it in the database: the versioned lexicon, link rules,
required disclosures, reason codes and the service-level target; screening with the
compiled policy of the current version.

Every change to the lexicon or the link rules makes a new version (who, when, what). Each
process keeps the compiled policy of one version and checks the current version number (one
small query) before screening, so a change takes effect everywhere without a restart.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.db import utcnow
from advisor_hub.errors import NotFound, ValidationError
from advisor_hub.i18n import LANGUAGES as CONTENT_LANGUAGES
from advisor_hub.pagination import Page, paginate
from advisor_hub.roles import Role, require_role
from approvals.models import (
    Disclosure,
    LexiconEntry,
    LexiconVersion,
    LinkRule,
    ReasonCode,
    ReviewSettings,
)
from approvals.policy import (
    STARTER_LEXICON,
    CompiledPolicy,
    Finding,
    LexiconTerm,
    LinkRules,
    PolicyConfig,
    clean_domain,
    compile_policy,
    normalize_term,
)
from approvals.text import sanitize

REVIEWERS = (Role.COMPLIANCE, Role.SENIOR_COMPLIANCE)
NETWORKS = ("linkedin", "facebook", "x", "sandbox")
LANGUAGES = ("any", *CONTENT_LANGUAGES)  # "any": a term of every language
SEVERITIES = ("block", "flag")
MAX_TERM = 200


# --- versions ---------------------------------------------------------------------------------


def current_version(session: Session) -> LexiconVersion | None:
    return session.scalar(select(LexiconVersion).order_by(LexiconVersion.id.desc()).limit(1))


def current_version_number(session: Session) -> int:
    version = current_version(session)
    return version.id if version is not None else 0


# One lock id for "changing the policy" on PostgreSQL: versions are numbered without gaps.
_PG_POLICY_LOCK = 7_420_004


def _new_version(session: Session, actor: User | None, summary: str) -> LexiconVersion:
    # Numbered by hand, not by a sequence: a rolled-back change must not leave a gap.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sql_text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_POLICY_LOCK})
    number = (session.scalar(select(func.max(LexiconVersion.id))) or 0) + 1
    version = LexiconVersion(id=number, token=uuid.uuid4().hex, summary=summary[:500],
                             created_by_id=actor.id if actor is not None else None)
    session.add(version)
    session.flush()
    record(session, actor, "policy.version_created", version, after={"summary": summary})
    return version


def list_versions(session: Session) -> list[LexiconVersion]:
    return list(session.scalars(select(LexiconVersion).order_by(LexiconVersion.id.desc())))


def version_at(session: Session, when: datetime) -> LexiconVersion | None:
    """The version in force at a moment (what the lexicon was on a given day)."""
    return session.scalar(
        select(LexiconVersion).where(LexiconVersion.created_at <= when)
        .order_by(LexiconVersion.id.desc()).limit(1)
    )


def terms_at(session: Session, version: int) -> list[LexiconEntry]:
    """The lexicon as it was in ``version``."""
    return list(session.scalars(
        select(LexiconEntry)
        .where(LexiconEntry.added_in <= version,
               or_(LexiconEntry.removed_in.is_(None), LexiconEntry.removed_in > version))
        .order_by(LexiconEntry.language, LexiconEntry.folded)
    ))


def search_terms(session: Session, *, q: str = "", page: int = 1,
                 per_page: int = 50) -> Page[LexiconEntry]:
    """The current lexicon, one page at a time; ``q`` matches terms accent- and
    case-insensitively (the same folding the engine uses)."""
    query = (select(LexiconEntry).where(LexiconEntry.removed_in.is_(None))
             .order_by(LexiconEntry.language, LexiconEntry.folded, LexiconEntry.id))
    folded = normalize_term(q) if q.strip() else ""
    if folded:
        escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(LexiconEntry.folded.like(f"%{escaped}%", escape="\\"))
    return paginate(session, query, page=page, per_page=per_page)


def current_terms(session: Session) -> list[LexiconEntry]:
    return list(session.scalars(
        select(LexiconEntry).where(LexiconEntry.removed_in.is_(None))
        .order_by(LexiconEntry.language, LexiconEntry.folded)
    ))


# --- lexicon ----------------------------------------------------------------------------------


def _clean_term(term: str, language: str, severity: str, note: str) -> tuple[str, str, str]:
    term = " ".join(sanitize(term).split())
    if not term or not normalize_term(term):
        raise ValidationError(_l("Enter a word or phrase."), field="term")
    if len(term) > MAX_TERM:
        raise ValidationError(_l("A term is at most %(n)d characters.", n=MAX_TERM), field="term")
    if language not in LANGUAGES:
        raise ValidationError(_l("Choose a language."), field="language")
    if severity not in SEVERITIES:
        raise ValidationError(_l("Choose a severity."), field="severity")
    return term, normalize_term(term), sanitize(note)[:500]


def add_term(session: Session, *, actor: User, term: str, language: str = "any",
             severity: str = "flag", note: str = "") -> LexiconEntry:
    """Add a term: a new lexicon version. Empty or duplicate terms are refused."""
    require_role(actor, *REVIEWERS)
    term, folded, note = _clean_term(term, language, severity, note)
    duplicate = session.scalar(select(LexiconEntry.id).where(
        LexiconEntry.removed_in.is_(None), LexiconEntry.folded == folded,
        LexiconEntry.language == language,
    ))
    if duplicate is not None:
        raise ValidationError(_l("“%(term)s” is already in the lexicon.", term=term),
                              field="term")
    version = _new_version(session, actor, f"added “{term}” ({language}, {severity})")
    entry = LexiconEntry(term=term, folded=folded, language=language, severity=severity,
                         note=note, added_in=version.id)
    session.add(entry)
    session.flush()
    record(session, actor, "lexicon.term_added", entry,
           after={"term": term, "language": language, "severity": severity, "note": note,
                  "version": version.id})
    return entry


def _current_entry(session: Session, term_id: int) -> LexiconEntry:
    entry = session.get(LexiconEntry, term_id)
    if entry is None or entry.removed_in is not None:
        raise NotFound()
    return entry


def update_term(session: Session, *, actor: User, term_id: int, severity: str,
                note: str) -> LexiconEntry:
    """Change a term's severity or note: the old entry ends, a new one starts (new version)."""
    require_role(actor, *REVIEWERS)
    old = _current_entry(session, term_id)
    _term, _folded, note = _clean_term(old.term, old.language, severity, note)
    if severity == old.severity and note == old.note:
        raise ValidationError(_l("Nothing was changed."))
    version = _new_version(session, actor, f"changed “{old.term}” ({old.language}): "
                                           f"{old.severity} → {severity}")
    old.removed_in = version.id
    entry = LexiconEntry(term=old.term, folded=old.folded, language=old.language,
                         severity=severity, note=note, added_in=version.id)
    session.add(entry)
    session.flush()
    record(session, actor, "lexicon.term_changed", entry,
           before={"severity": old.severity, "note": old.note},
           after={"severity": severity, "note": note, "version": version.id})
    return entry


def remove_term(session: Session, *, actor: User, term_id: int) -> None:
    require_role(actor, *REVIEWERS)
    entry = _current_entry(session, term_id)
    version = _new_version(session, actor, f"removed “{entry.term}” ({entry.language})")
    entry.removed_in = version.id
    session.flush()
    record(session, actor, "lexicon.term_removed", entry,
           before={"term": entry.term, "severity": entry.severity}, after={"version": version.id})


def seed_starter_lexicon(session: Session, terms: Iterable[LexiconTerm] = STARTER_LEXICON,
                         actor: User | None = None) -> LexiconVersion:
    """Version 1 of an installation: the starter lexicon (idempotent: only on an empty one)."""
    existing = current_version(session)
    if existing is not None:
        return existing
    version = _new_version(session, actor, "starter lexicon")
    seen: set[tuple[str, str]] = set()
    for term in terms:
        key = (normalize_term(term.term), term.language)
        if key in seen:
            continue
        seen.add(key)
        session.add(LexiconEntry(term=term.term, folded=key[0], language=term.language,
                                 severity=term.severity, note=term.note, added_in=version.id))
    session.flush()
    return version


# --- link rules -------------------------------------------------------------------------------


def list_link_rules(session: Session) -> list[LinkRule]:
    return list(session.scalars(select(LinkRule).order_by(LinkRule.kind, LinkRule.domain)))


def add_link_rule(session: Session, *, actor: User, domain: str, kind: str,
                  note: str = "") -> LinkRule:
    require_role(actor, *REVIEWERS)
    if kind not in ("allow", "deny"):
        raise ValidationError(_l("Choose allow or deny."), field="kind")
    cleaned = clean_domain(sanitize(domain))
    if not cleaned or "." not in cleaned or " " in cleaned:
        raise ValidationError(_l("Enter a domain such as example.com."), field="domain")
    if session.scalar(select(LinkRule.id).where(LinkRule.domain == cleaned)) is not None:
        raise ValidationError(_l("%(domain)s already has a rule.", domain=cleaned),
                              field="domain")
    version = _new_version(session, actor, f"link rule: {kind} {cleaned}")
    rule = LinkRule(domain=cleaned, kind=kind, note=sanitize(note)[:500],
                    created_by_id=actor.id)
    session.add(rule)
    session.flush()
    record(session, actor, "links.rule_added", rule,
           after={"domain": cleaned, "kind": kind, "version": version.id})
    return rule


def remove_link_rule(session: Session, *, actor: User, rule_id: int) -> None:
    require_role(actor, *REVIEWERS)
    rule = session.get(LinkRule, rule_id)
    if rule is None:
        raise NotFound()
    version = _new_version(session, actor, f"link rule removed: {rule.kind} {rule.domain}")
    record(session, actor, "links.rule_removed", rule,
           before={"domain": rule.domain, "kind": rule.kind}, after={"version": version.id})
    session.delete(rule)
    session.flush()


# --- screening --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Screening:
    findings: list[Finding]           # spans point into the text
    lexicon_version: int
    blocked: bool
    link_findings: list[Finding] = field(default_factory=list)  # spans point into link_url

    @property
    def count(self) -> int:
        return len(self.findings) + len(self.link_findings)


class _Cache:
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


policy_cache = _Cache()


def load_config(session: Session, version: int) -> PolicyConfig:
    terms = [LexiconTerm(e.term, e.language, e.severity, e.note)  # type: ignore[arg-type]
             for e in terms_at(session, version)]
    rules = list_link_rules(session)
    links = LinkRules(allow=frozenset(r.domain for r in rules if r.kind == "allow"),
                      deny=frozenset(r.domain for r in rules if r.kind == "deny"))
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


# --- disclosures ------------------------------------------------------------------------------


def list_disclosures(session: Session) -> list[Disclosure]:
    return list(session.scalars(
        select(Disclosure).where(Disclosure.active.is_(True)).order_by(Disclosure.id)
    ))


def add_disclosure(session: Session, *, actor: User, text: str, network: str | None,
                   category: str | None) -> Disclosure:
    require_role(actor, *REVIEWERS)
    text = sanitize(text)
    if not text:
        raise ValidationError(_l("Enter the text to append."), field="text")
    if len(text) > 1000:
        raise ValidationError(_l("A disclosure is at most 1,000 characters."), field="text")
    if network and network not in NETWORKS:
        raise ValidationError(_l("Unknown network."), field="network")
    category = sanitize(category)[:120] or None
    disclosure = Disclosure(text=text, network=network or None, category=category,
                            created_by_id=actor.id)
    session.add(disclosure)
    session.flush()
    record(session, actor, "disclosure.added", disclosure,
           after={"text": text, "network": network, "category": category})
    return disclosure


def remove_disclosure(session: Session, *, actor: User, disclosure_id: int) -> None:
    require_role(actor, *REVIEWERS)
    disclosure = session.get(Disclosure, disclosure_id)
    if disclosure is None or not disclosure.active:
        raise NotFound()
    disclosure.active = False
    session.flush()
    record(session, actor, "disclosure.removed", disclosure, before={"text": disclosure.text})


def disclosures_for(session: Session, *, network: str | None, category: str | None) -> list[str]:
    """The disclosures a post on ``network`` in ``category`` must carry, in a stable order.

    A disclosure with no network and no category applies to every post; one with a network
    (or category) applies only to posts of that network (or category); with both, to both.
    """
    query = select(Disclosure.text).where(Disclosure.active.is_(True))
    query = query.where(or_(Disclosure.network.is_(None), Disclosure.network == network)
                        if network else Disclosure.network.is_(None))
    query = query.where(or_(Disclosure.category.is_(None), Disclosure.category == category)
                        if category else Disclosure.category.is_(None))
    texts = list(session.scalars(query.order_by(Disclosure.id)))
    return list(dict.fromkeys(texts))


def apply_disclosures(text: str, disclosures: list[str]) -> str:
    """``text`` + "\\n\\n" + each disclosure (one already at the end of the text is not doubled)."""
    result = text
    for disclosure in disclosures:
        if disclosure and not result.rstrip().endswith(disclosure):
            result = f"{result}\n\n{disclosure}"
    return result


# --- reason codes -----------------------------------------------------------------------------

STARTER_REASONS = (
    ("misleading", "Misleading or unbalanced claim"),
    ("promise", "Promise of return or absence of risk"),
    ("personal_data", "Personal or client data"),
    ("unapproved_link", "Link to an unapproved site"),
    ("off_brand", "Tone or brand guidelines"),
    ("missing_disclosure", "Missing risk warning or disclosure"),
    ("other", "Other (see comment)"),
)


def list_reason_codes(session: Session, *, active_only: bool = True) -> list[ReasonCode]:
    query = select(ReasonCode).order_by(ReasonCode.label)
    if active_only:
        query = query.where(ReasonCode.active.is_(True))
    return list(session.scalars(query))


def add_reason_code(session: Session, *, actor: User, code: str, label: str) -> ReasonCode:
    require_role(actor, *REVIEWERS)
    code = "_".join(sanitize(code).lower().split())[:64]
    label = sanitize(label)[:200]
    if not code:
        raise ValidationError(_l("Enter a short code."), field="code")
    if not label:
        raise ValidationError(_l("Enter a label."), field="label")
    if session.scalar(select(ReasonCode.id).where(ReasonCode.code == code)) is not None:
        raise ValidationError(_l("This code already exists."), field="code")
    reason = ReasonCode(code=code, label=label)
    session.add(reason)
    session.flush()
    record(session, actor, "reason_code.added", reason, after={"code": code, "label": label})
    return reason


def set_reason_code_active(session: Session, *, actor: User, reason_id: int,
                           active: bool) -> ReasonCode:
    require_role(actor, *REVIEWERS)
    reason = session.get(ReasonCode, reason_id)
    if reason is None:
        raise NotFound()
    before = reason.active
    reason.active = active
    session.flush()
    record(session, actor, "reason_code.active_changed", reason,
           before={"active": before}, after={"active": active})
    return reason


def seed_reason_codes(session: Session) -> None:
    if session.scalar(select(ReasonCode.id).limit(1)) is not None:
        return
    for code, label in STARTER_REASONS:
        session.add(ReasonCode(code=code, label=label))
    session.flush()


# --- service-level target ---------------------------------------------------------------------


def get_settings(session: Session) -> ReviewSettings:
    settings = session.get(ReviewSettings, 1)
    if settings is None:
        settings = ReviewSettings(id=1, sla_minutes=240, sla_business_hours=True)
        session.add(settings)
        session.flush()
    return settings


def update_settings(session: Session, *, actor: User, sla_minutes: int,
                    sla_business_hours: bool) -> ReviewSettings:
    require_role(actor, *REVIEWERS)
    if not 1 <= sla_minutes <= 60 * 24 * 30:
        raise ValidationError(_l("Enter a target between 1 minute and 30 days."),
                              field="sla_minutes")
    settings = get_settings(session)
    before = {"sla_minutes": settings.sla_minutes,
              "sla_business_hours": settings.sla_business_hours}
    settings.sla_minutes = sla_minutes
    settings.sla_business_hours = sla_business_hours
    settings.updated_by_id = actor.id
    settings.updated_at = utcnow()
    session.flush()
    record(session, actor, "review.sla_changed", settings, before=before,
           after={"sla_minutes": sla_minutes, "sla_business_hours": sla_business_hours})
    return settings
