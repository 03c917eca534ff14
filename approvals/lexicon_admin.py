"""The versioned policy compliance keeps: lexicon terms and link rules.

Every change to the lexicon or the link rules makes a new version (who, when, what), numbered
without gaps; ``screening`` compiles the version in force.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import record
from advisor_hub.errors import NotFound, ValidationError
from advisor_hub.i18n import LANGUAGES as CONTENT_LANGUAGES
from advisor_hub.pagination import Page, paginate
from advisor_hub.roles import require_role
from advisor_hub.text import sanitize
from approvals.access import REVIEWERS
from approvals.models import LexiconEntry, LexiconVersion, LinkKind, LinkRule
from approvals.policy import STARTER_LEXICON, LexiconTerm, clean_domain, normalize_term

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


def new_version(session: Session, actor: User | None, summary: str) -> LexiconVersion:
    """The next policy version (every lexicon or link-rule change makes one)."""
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
    term = " ".join(sanitize(term, field="term").split())
    if not term or not normalize_term(term):
        raise ValidationError(_l("Enter a word or phrase."), field="term")
    if len(term) > MAX_TERM:
        raise ValidationError(_l("A term is at most %(n)d characters.", n=MAX_TERM), field="term")
    if language not in LANGUAGES:
        raise ValidationError(_l("Choose a language."), field="language")
    if severity not in SEVERITIES:
        raise ValidationError(_l("Choose a severity."), field="severity")
    return term, normalize_term(term), sanitize(note, field="note")[:500]


def _clean_note_fr(note_fr: str) -> str:
    return sanitize(note_fr, field="note_fr")[:500]


def add_term(session: Session, *, actor: User, term: str, language: str = "any",
             severity: str = "flag", note: str = "", note_fr: str = "") -> LexiconEntry:
    """Add a term: a new lexicon version. Empty or duplicate terms are refused. ``note``
    is the English note, ``note_fr`` the French one (each reader sees their own)."""
    require_role(actor, *REVIEWERS)
    term, folded, note = _clean_term(term, language, severity, note)
    note_fr = _clean_note_fr(note_fr)
    duplicate = session.scalar(select(LexiconEntry.id).where(
        LexiconEntry.removed_in.is_(None), LexiconEntry.folded == folded,
        LexiconEntry.language == language,
    ))
    if duplicate is not None:
        raise ValidationError(_l("“%(term)s” is already in the lexicon.", term=term),
                              field="term")
    version = new_version(session, actor, f"added “{term}” ({language}, {severity})")
    entry = LexiconEntry(term=term, folded=folded, language=language, severity=severity,
                         note=note, note_fr=note_fr, added_in=version.id)
    session.add(entry)
    session.flush()
    record(session, actor, "lexicon.term_added", entry,
           after={"term": term, "language": language, "severity": severity, "note": note,
                  "note_fr": note_fr, "version": version.id})
    return entry


def _current_entry(session: Session, term_id: int) -> LexiconEntry:
    entry = session.get(LexiconEntry, term_id)
    if entry is None or entry.removed_in is not None:
        raise NotFound()
    return entry


def update_term(session: Session, *, actor: User, term_id: int, severity: str,
                note: str, note_fr: str | None = None) -> LexiconEntry:
    """Change a term's severity or notes: the old entry ends, a new one starts (new
    version). ``note_fr=None`` keeps the French note."""
    require_role(actor, *REVIEWERS)
    old = _current_entry(session, term_id)
    _term, _folded, note = _clean_term(old.term, old.language, severity, note)
    note_fr = old.note_fr if note_fr is None else _clean_note_fr(note_fr)
    if severity == old.severity and note == old.note and note_fr == old.note_fr:
        raise ValidationError(_l("Nothing was changed."))
    version = new_version(session, actor, f"changed “{old.term}” ({old.language}): "
                                          f"{old.severity} → {severity}")
    old.removed_in = version.id
    entry = LexiconEntry(term=old.term, folded=old.folded, language=old.language,
                         severity=severity, note=note, note_fr=note_fr, added_in=version.id)
    session.add(entry)
    session.flush()
    record(session, actor, "lexicon.term_changed", entry,
           before={"severity": old.severity, "note": old.note, "note_fr": old.note_fr},
           after={"severity": severity, "note": note, "note_fr": note_fr,
                  "version": version.id})
    return entry


def remove_term(session: Session, *, actor: User, term_id: int) -> None:
    require_role(actor, *REVIEWERS)
    entry = _current_entry(session, term_id)
    version = new_version(session, actor, f"removed “{entry.term}” ({entry.language})")
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
    version = new_version(session, actor, "starter lexicon")
    seen: set[tuple[str, str]] = set()
    for term in terms:
        key = (normalize_term(term.term), term.language)
        if key in seen:
            continue
        seen.add(key)
        session.add(LexiconEntry(term=term.term, folded=key[0], language=term.language,
                                 severity=term.severity, note=term.note, note_fr=term.note_fr,
                                 added_in=version.id))
    session.flush()
    return version


# --- link rules -------------------------------------------------------------------------------


def list_link_rules(session: Session) -> list[LinkRule]:
    return list(session.scalars(select(LinkRule).order_by(LinkRule.kind, LinkRule.domain)))


def add_link_rule(session: Session, *, actor: User, domain: str, kind: str,
                  note: str = "") -> LinkRule:
    """Allow or deny a domain: a new policy version. A domain has at most one rule."""
    require_role(actor, *REVIEWERS)
    try:
        link_kind = LinkKind(kind)
    except ValueError:
        raise ValidationError(_l("Choose allow or deny."), field="kind") from None
    cleaned = clean_domain(sanitize(domain, field="domain"))
    if not cleaned or "." not in cleaned or " " in cleaned:
        raise ValidationError(_l("Enter a domain such as example.com."), field="domain")
    if session.scalar(select(LinkRule.id).where(LinkRule.domain == cleaned)) is not None:
        raise ValidationError(_l("%(domain)s already has a rule.", domain=cleaned),
                              field="domain")
    version = new_version(session, actor, f"link rule: {link_kind} {cleaned}")
    rule = LinkRule(domain=cleaned, kind=link_kind, note=sanitize(note, field="note")[:500],
                    created_by_id=actor.id)
    session.add(rule)
    session.flush()
    record(session, actor, "links.rule_added", rule,
           after={"domain": cleaned, "kind": link_kind, "version": version.id})
    return rule


def remove_link_rule(session: Session, *, actor: User, rule_id: int) -> None:
    require_role(actor, *REVIEWERS)
    rule = session.get(LinkRule, rule_id)
    if rule is None:
        raise NotFound()
    version = new_version(session, actor, f"link rule removed: {rule.kind} {rule.domain}")
    record(session, actor, "links.rule_removed", rule,
           before={"domain": rule.domain, "kind": rule.kind}, after={"version": version.id})
    session.delete(rule)
    session.flush()
