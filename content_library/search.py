"""Full-text search documents, one per library version, in ``library_search_fts``.

SQLite: an FTS5 virtual table (rowid = version id). PostgreSQL: a table of tsvectors with a
GIN index (``simple`` configuration). Both are built by the migration and kept in sync here by
the services (no triggers). Accents and case never matter: the document and the query are
normalised in Python the same way (NFKD, combining marks dropped, casefolded), so "epargne"
finds "épargne" on both backends without the unaccent extension.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from content_library.models import LibraryItemVersion

TABLE = "library_search_fts"
WORD_RE = re.compile(r"[^\W_]+")
MAX_TERMS = 8


def normalise(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def terms(query: str) -> list[str]:
    """The query's words, normalised; punctuation and operators are dropped (never syntax)."""
    return WORD_RE.findall(normalise(query))[:MAX_TERMS]


def document_for(version: LibraryItemVersion) -> str:
    parts = [version.title, version.text, " ".join(version.tags), version.campaign or ""]
    return " ".join(WORD_RE.findall(normalise(" ".join(parts))))


def index_version(session: Session, version: LibraryItemVersion) -> None:
    """(Re)write the search document of one version."""
    session.flush()
    document = document_for(version)
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"DELETE FROM {TABLE} WHERE rowid = :id"), {"id": version.id})
        session.execute(text(f"INSERT INTO {TABLE} (rowid, document) VALUES (:id, :doc)"),
                        {"id": version.id, "doc": document})
    else:
        session.execute(text(
            f"INSERT INTO {TABLE} (version_id, document) "
            "VALUES (:id, to_tsvector('simple', :doc)) "
            "ON CONFLICT (version_id) DO UPDATE SET document = excluded.document"
        ), {"id": version.id, "doc": document})


def _fts_query(words: list[str], sqlite: bool) -> str:
    """Every word must match; the last one as a prefix (search as you type)."""
    if sqlite:
        return " ".join([*(f'"{w}"' for w in words[:-1]), f'"{words[-1]}"*'])
    return " & ".join([*words[:-1], f"{words[-1]}:*"])


def matching(session: Session, query: str) -> ColumnElement[bool] | None:
    """A condition on LibraryItemVersion.id (marketing's list searches every version)."""
    words = terms(query)
    return _matches(session, words) if words else None


def _matches(session: Session, words: list[str]) -> ColumnElement[bool]:
    if session.get_bind().dialect.name == "sqlite":
        fts = table(TABLE, column("rowid"), column("document"))
        ids = select(fts.c.rowid).where(
            literal_column(TABLE).op("MATCH")(_fts_query(words, True)))
    else:
        fts = table(TABLE, column("version_id"), column("document"))
        ids = select(fts.c.version_id).where(
            fts.c.document.op("@@")(func.to_tsquery("simple", _fts_query(words, False))))
    return LibraryItemVersion.id.in_(ids)


def restrict(session: Session, select_versions: Select[Any], query: str) -> Select[Any]:
    """Keep the versions matching ``query``, newest versions first (by id).

    SQLite: the query is driven from the FTS5 table walked in descending rowid order, so a
    page of a common word stops after its last row instead of fetching and sorting every
    match. PostgreSQL: the GIN index finds the matches, the planner sorts the top rows.
    """
    words = terms(query)
    if not words:
        return select_versions
    if session.get_bind().dialect.name == "sqlite":
        fts = table(TABLE, column("rowid"))
        return (select_versions.join(fts, fts.c.rowid == LibraryItemVersion.id)
                .where(literal_column(TABLE).op("MATCH")(_fts_query(words, True)))
                .order_by(None).order_by(fts.c.rowid.desc()))
    return select_versions.where(_matches(session, words)).order_by(None).order_by(
        LibraryItemVersion.id.desc())
