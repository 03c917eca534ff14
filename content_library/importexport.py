"""Bulk import and export of library items (CSV or JSON, the same columns both ways).

Every row is validated first; bad rows are reported by line number and reason. With errors,
nothing is imported unless ``skip_invalid`` (then only the good rows). Imported items arrive as
drafts. Export writes the latest version of every item that is not retired, so export →
import round-trips (images are not part of the file).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.accounts.services import list_branches
from advisor_hub.audit.services import record
from advisor_hub.csvsafe import dict_writer, restore_cell
from advisor_hub.errors import ValidationError
from advisor_hub.roles import Role, require_role
from content_library import services
from content_library.errors import ImportFailed
from content_library.models import LibraryItem, LibraryItemVersion

COLUMNS = ("title", "text", "link_url", "networks", "tags", "campaign", "language",
           "audience", "available_from", "expires_at", "placeholders")
REQUIRED = ("title", "text", "networks")
MAX_ROWS = 10_000


@dataclass(frozen=True)
class ImportResult:
    imported: int
    errors: list[tuple[int, str]]


def parse_file(filename: str, data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """(line number, row) pairs; ImportFailed for a file that cannot be read at all."""
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFailed([(0, str(_l("The file is not UTF-8 text.")))]) from error
    if filename.lower().endswith(".json"):
        return _parse_json(content)
    if filename.lower().endswith(".csv"):
        return _parse_csv(content)
    raise ImportFailed([(0, str(_l("Import a .csv or a .json file.")))])


def _parse_csv(content: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(content, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFailed([(1, str(_l("Missing column(s): %(names)s.",
                                       names=", ".join(missing))))])
    reader.fieldnames = header
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        for row in reader:
            # Undo the quote our export puts before "=", "+", "-", "@" (advisor_hub.csvsafe).
            rows.append((reader.line_num, {k: restore_cell(v) if isinstance(v, str) else v
                                           for k, v in row.items()}))
            if len(rows) > MAX_ROWS:
                raise ImportFailed([(reader.line_num, str(_l("Too many rows.")))])
    except csv.Error as error:
        raise ImportFailed([(reader.line_num, str(_l("Broken CSV: %(error)s",
                                                     error=str(error))))]) from error
    return rows


def _parse_json(content: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        raise ImportFailed([(error.lineno, str(_l("Broken JSON: %(error)s",
                                                   error=error.msg)))]) from error
    if isinstance(data, dict):
        data = data.get("items")
    if not isinstance(data, list) or len(data) > MAX_ROWS:
        raise ImportFailed([(1, str(_l("The JSON must be a list of items.")))])
    return [(number, row) for number, row in enumerate(data, start=1)]


def _date(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError as error:
        raise ValidationError(_l("%(field)s is not a date (use 2026-12-31T09:00:00+00:00).",
                                 field=field)) from error
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def row_to_fields(session: Session, row: dict[str, Any], branches: dict[str, int]
                  ) -> services.ItemFields:
    if not isinstance(row, dict):
        raise ValidationError(_l("Each item must be an object."))
    if None in row:  # csv.DictReader puts surplus values under None
        raise ValidationError(_l("This row has more values than there are columns."))
    missing = [c for c in REQUIRED if row.get(c) in (None, "", [])]
    if missing:
        raise ValidationError(_l("Missing value(s): %(names)s.", names=", ".join(missing)))
    audience = services.split_list(row.get("audience") or "all")
    audience_all = audience in ([], ["all"])
    branch_ids = []
    if not audience_all:
        for name in audience:
            if name not in branches:
                raise ValidationError(_l("Unknown branch: %(name)s.", name=name))
            branch_ids.append(branches[name])
    fields = services.ItemFields(
        title=str(row.get("title") or ""), text=str(row.get("text") or ""),
        link_url=str(row.get("link_url") or "") or None,
        networks=services.split_list(row.get("networks")),
        tags=services.split_list(row.get("tags")),
        campaign=str(row.get("campaign") or "") or None,
        language=str(row.get("language") or "en"),
        audience_all=audience_all, branch_ids=branch_ids,
        available_from=_date(row.get("available_from"), "available_from"),
        expires_at=_date(row.get("expires_at"), "expires_at"),
        placeholders=[p.strip("{} ") for p in services.split_list(row.get("placeholders"))],
    )
    return services.clean_fields(session, fields)


def import_items(session: Session, *, actor: User, rows: list[tuple[int, dict[str, Any]]],
                 skip_invalid: bool = False) -> ImportResult:
    """Validate every row, then create the good ones as drafts (all or nothing by default)."""
    require_role(actor, Role.MARKETING)
    branches = {b.name: b.id for b in list_branches(session)}
    good: list[services.ItemFields] = []
    errors: list[tuple[int, str]] = []
    for line, row in rows:
        try:
            good.append(row_to_fields(session, row, branches))
        except ValidationError as error:
            errors.append((line, str(error)))
    if not rows:
        raise ImportFailed([(0, str(_l("The file has no items.")))])
    if errors and not skip_invalid:
        raise ImportFailed(errors)
    for fields in good:
        services.create_item(session, actor=actor, fields=fields)
    record(session, actor, "library.imported", ("library_items", "import"),
           after={"imported": len(good), "skipped_lines": [line for line, _ in errors]})
    return ImportResult(imported=len(good), errors=errors)


def _row(version: LibraryItemVersion) -> dict[str, Any]:
    return {
        "title": version.title, "text": version.text, "link_url": version.link_url or "",
        "networks": "|".join(version.networks), "tags": "|".join(version.tags),
        "campaign": version.campaign or "", "language": version.language,
        "audience": "all" if version.audience_all
        else "|".join(b.name for b in version.branches),
        "available_from": version.available_from.isoformat() if version.available_from else "",
        "expires_at": version.expires_at.isoformat() if version.expires_at else "",
        "placeholders": "|".join(version.placeholders),
    }


def export_items(session: Session, *, actor: User, fmt: str) -> str:
    """The latest version of every item that is not retired, as CSV or JSON."""
    require_role(actor, Role.MARKETING, Role.ADMIN)
    items = session.scalars(select(LibraryItem).where(LibraryItem.retired_at.is_(None))
                            .order_by(LibraryItem.id))
    rows = [_row(item.latest) for item in items]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    out = io.StringIO()
    writer = dict_writer(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
