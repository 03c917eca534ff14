"""Bulk import (all or nothing, or only the good rows) and export that round-trips."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select

from content_library import importexport, services
from content_library.models import LibraryItem, LibraryItemVersion, Status

HEADER = "title,text,link_url,networks,tags,campaign,language,audience\n"
GOOD = ('Livret A,"Épargnez sans risque, à Lyon",https://example.com,linkedin|x,'
        'épargne|livret,Spring,fr,all\n'
        'Home loans,Rates are moving,,linkedin,loans,,en,Lyon\n')
BAD = ('Bad link,Text,javascript:alert(1),linkedin,,,en,all\n'
       'Too long for X,' + "x" * 300 + ',,x,,,en,all\n'
       'Unknown placeholder,Hi {client_first_name},,linkedin,,,en,all\n'
       ',No title,,linkedin,,,en,all\n'
       'Too many,values,,linkedin,,,en,all,extra\n')


def _count(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count(LibraryItem.id))) or 0


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_cli_import_with_errors_imports_nothing(runner, db_session, factory, tmp_path) -> None:
    factory.branch("Lyon")
    factory.user("marketing")
    db_session.flush()
    path = _write(tmp_path, "items.csv", HEADER + GOOD + BAD)
    result = runner.invoke(args=["library-import", str(path)])
    assert result.exit_code == 1
    for line in ("line 4:", "line 5:", "line 6:", "line 7:", "line 8:"):
        assert line in result.output
    assert "line 2:" not in result.output and "line 3:" not in result.output
    assert "nothing was imported" in result.output
    assert _count(db_session) == 0


def test_cli_import_skip_invalid_imports_the_good_rows(runner, db_session, factory, tmp_path
                                                       ) -> None:
    lyon = factory.branch("Lyon")
    factory.user("marketing")
    db_session.flush()
    path = _write(tmp_path, "items.csv", HEADER + GOOD + BAD)
    result = runner.invoke(args=["library-import", str(path), "--skip-invalid"])
    assert result.exit_code == 0, result.output
    assert "Imported 2 item(s) as drafts; skipped 5." in result.output
    assert _count(db_session) == 2
    versions = db_session.scalars(select(LibraryItemVersion).order_by(LibraryItemVersion.id))
    first, second = list(versions)
    assert first.status == Status.DRAFT and first.networks == ["linkedin", "x"]
    assert first.tags == ["livret", "épargne"] and first.placeholders == []
    assert [b.id for b in second.branches] == [lyon.id] and not second.audience_all


def test_missing_column_or_broken_file(runner, db_session, factory, tmp_path) -> None:
    factory.user("marketing")
    db_session.flush()
    result = runner.invoke(args=["library-import",
                                 str(_write(tmp_path, "a.csv", "title,text\nA,B\n"))])
    assert result.exit_code == 1 and "Missing column(s): networks" in result.output
    result = runner.invoke(args=["library-import", str(_write(tmp_path, "b.json", "[{"))])
    assert result.exit_code == 1 and "Broken JSON" in result.output
    result = runner.invoke(args=["library-import", str(_write(tmp_path, "c.txt", "x"))])
    assert result.exit_code == 1
    assert _count(db_session) == 0


def test_export_then_import_round_trips(runner, db_session, library, factory, tmp_path
                                        ) -> None:
    lyon = factory.branch("Lyon")
    library.approved(title="Épargne", text="Parlons-en à {branch_city} !",
                     placeholders=["branch_city"], tags=["épargne", "livret"],
                     campaign="Printemps", language="fr", link_url="https://example.com/a",
                     audience_all=False, branch_ids=[lyon.id], networks=["linkedin", "x"])
    library.draft(title="Second", text='Quotes " and, commas\nand lines')
    db_session.flush()
    for fmt in ("csv", "json"):
        out = tmp_path / f"library.{fmt}"
        result = runner.invoke(args=["library-export", str(out)])
        assert result.exit_code == 0, result.output
        rows = importexport.parse_file(out.name, out.read_bytes())
        branches = {"Lyon": lyon.id}
        exported = [importexport.row_to_fields(db_session, row, branches) for _, row in rows]
        originals = [services.clean_fields(db_session, f) for f in (
            _fields_of(item.latest) for item in db_session.scalars(
                select(LibraryItem).order_by(LibraryItem.id)))]
        assert [_sorted_tags(f) for f in exported] == [_sorted_tags(f) for f in originals[:2]]
    result = runner.invoke(args=["library-import", str(tmp_path / "library.json")])
    assert result.exit_code == 0, result.output
    assert _count(db_session) == 4


def _sorted_tags(fields: services.ItemFields) -> services.ItemFields:
    return replace(fields, tags=sorted(fields.tags))


def _fields_of(version: LibraryItemVersion) -> services.ItemFields:
    return services.ItemFields(
        title=version.title, text=version.text, networks=version.networks,
        link_url=version.link_url, tags=version.tags, campaign=version.campaign,
        language=version.language, audience_all=version.audience_all,
        branch_ids=[b.id for b in version.branches], available_from=version.available_from,
        expires_at=version.expires_at, placeholders=version.placeholders)


def test_import_from_the_marketing_screen(client, db_session, library, auth) -> None:
    auth.login(library.curator)
    data = {"file": (io.BytesIO((HEADER + GOOD.splitlines()[0] + "\n" + BAD).encode()),
                     "items.csv")}
    response = client.post("/library/manage/import", data=data,
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="import-errors"' in page
    assert "Line 3:" in page and _count(db_session) == 0
    data = {"file": (io.BytesIO(json.dumps([{"title": "J", "text": "T",
                                             "networks": ["linkedin"]}]).encode()),
                     "items.json"), "skip_invalid": "y"}
    response = client.post("/library/manage/import", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 302 and _count(db_session) == 1
    export = client.get("/library/manage/export?format=csv")
    assert export.mimetype == "text/csv" and "J,T" in export.get_data(as_text=True)
