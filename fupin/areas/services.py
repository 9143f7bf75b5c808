"""Writes to the division tree."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction

from fupin.areas.models import Area
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput

if TYPE_CHECKING:
    from fupin.accounts.models import User  # a type only: accounts is on a floor above

LEVELS = Area.LEVEL_ORDER
PARENT_LEVEL = {"city": "province", "county": "city", "township": "county", "village": "township"}
CODE_SHAPE = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")


@dataclass(frozen=True)
class DivisionRow:
    line: int
    code: str
    name: str
    level: str
    parent_code: str
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass
class DivisionImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ended: int = 0
    errors: list[str] = field(default_factory=list)


def pad_code(code: str) -> str:
    """Statistics-bureau codes are shown short (411103) or padded to 12 digits (411103000000)."""
    code = code.strip()
    return code.ljust(12, "0") if code.isdigit() and len(code) <= 12 else code


def _parse_date(raw: str, line: int, column: str) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise BadInput(f"第 {line} 行「{column}」日期无效：{raw} / row {line}, column {column}: bad date {raw}") from exc


def read_division_csv(source: Path | str | io.TextIOBase) -> list[DivisionRow]:
    """Parse ``code,name,level,parent_code[,valid_from,valid_to]``; raise BadInput listing every bad row."""
    if isinstance(source, (str, Path)):
        raw = Path(source).read_bytes()
        text = raw.decode("utf-8-sig") if _is_utf8(raw) else raw.decode("gb18030")
    else:
        text = source.read()
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise BadInput(f"缺少列：{', '.join(missing)} / missing columns: {', '.join(missing)}")
    rows: list[DivisionRow] = []
    errors: list[str] = []
    for line, rec in enumerate(reader, start=2):
        try:
            rows.append(_division_row(line, rec))
        except BadInput as exc:
            errors.append(exc.message)
    if errors:
        raise BadInput("\n".join(errors), code="BAD_DIVISIONS")
    return rows


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def _division_row(line: int, rec: dict[str, Any]) -> DivisionRow:
    level = (rec.get("level") or "").strip()
    raw_code = (rec.get("code") or "").strip()
    if level not in LEVELS:
        raise BadInput(f"第 {line} 行「level」取值无效：{level} / row {line}, column level: "
                       f"must be one of {', '.join(LEVELS)}")
    if not raw_code.isdigit() or len(raw_code) not in (CODE_SHAPE[level], 12):
        raise BadInput(f"第 {line} 行「code」不是有效的{level}级区划代码：{raw_code} / row {line}, column code: "
                       f"not a {level} code of {CODE_SHAPE[level]} or 12 digits")
    code = pad_code(raw_code)
    if code[CODE_SHAPE[level]:].strip("0"):
        raise BadInput(f"第 {line} 行「code」末尾应为 0：{raw_code} / row {line}, column code: "
                       f"digits after position {CODE_SHAPE[level]} must be 0 for a {level}")
    name = (rec.get("name") or "").strip()
    if not name:
        raise BadInput(f"第 {line} 行「name」为空 / row {line}, column name: required")
    parent = pad_code(rec.get("parent_code") or "")
    if level != "province" and not parent:
        raise BadInput(f"第 {line} 行「parent_code」为空 / row {line}, column parent_code: required")
    return DivisionRow(line, code, name, level, parent,
                       _parse_date(rec.get("valid_from") or "", line, "valid_from"),
                       _parse_date(rec.get("valid_to") or "", line, "valid_to"))


@transaction.atomic
def divisions_import(rows: Iterable[DivisionRow], *, actor: User | None = None, source: str = "") -> DivisionImportResult:
    """Upsert divisions by code, parents first. All or nothing: a bad reference refuses the file.

    A row with ``valid_to`` ends the current row of that code (a re-division); a name change of a
    current code updates it in place, and the audit log keeps the old name.
    """
    result = DivisionImportResult()
    ordered = sorted(rows, key=lambda r: (LEVELS.index(r.level), r.code, r.valid_from or date.min))
    current = {a.code: a for a in Area.objects.all().order_by("valid_to") if a.valid_to is None}
    historic = {(a.code, a.valid_from): a for a in Area.objects.filter(valid_to__isnull=False)}
    errors: list[str] = []
    for row in ordered:
        parent = current.get(row.parent_code) if row.level != "province" else None
        if row.level != "province":
            parent = parent or _historic_parent(historic, row.parent_code)
            if parent is None or parent.level != PARENT_LEVEL[row.level]:
                errors.append(f"第 {row.line} 行「parent_code」{row.parent_code} 不是已知的上级区划 / "
                              f"row {row.line}, column parent_code: {row.parent_code} is no known "
                              f"{PARENT_LEVEL[row.level]}")
                continue
        _upsert(row, parent, current, historic, result, actor, source)
    if errors:
        raise BadInput("\n".join(errors), code="BAD_DIVISIONS")
    return result


def _historic_parent(historic: dict[tuple[str, date], Area], code: str) -> Area | None:
    matches = [a for (c, _), a in historic.items() if c == code]
    return max(matches, key=lambda a: a.valid_from) if matches else None


def _upsert(row: DivisionRow, parent: Area | None, current: dict[str, Area],
            historic: dict[tuple[str, date], Area], result: DivisionImportResult, actor: User | None, source: str) -> None:
    valid_from = row.valid_from or date(2000, 1, 1)
    if row.valid_to is None:
        existing = current.get(row.code)
    else:
        existing = historic.get((row.code, valid_from))
        if existing is None and row.code in current and current[row.code].valid_from == valid_from:
            existing = current[row.code]
    if existing is None:
        area = _create(row, parent, valid_from, source)
        audit_record(actor=actor, action=Action.CREATE, obj=area,
                     changes={"code": row.code, "name": row.name, "level": row.level})
        result.created += 1
        if row.valid_to is None:
            current[row.code] = area
        else:
            historic[(row.code, valid_from)] = area
        return
    changes = _changes(existing, row, parent)
    if not changes:
        result.unchanged += 1
        return
    old_path = existing.path
    existing.name, existing.valid_to, existing.parent = row.name, row.valid_to, parent
    existing.path = f"{parent.path if parent else '/'}{existing.pk}/"
    existing.save()
    if existing.path != old_path:
        _move_subtree(old_path, existing.path)
    audit_record(actor=actor, action=Action.UPDATE, obj=existing, changes=changes)
    result.updated += 1
    if row.valid_to is not None:
        result.ended += 1
        current.pop(row.code, None)
        historic[(row.code, valid_from)] = existing


def _create(row: DivisionRow, parent: Area | None, valid_from: date, source: str) -> Area:
    area = Area.objects.create(code=row.code, name=row.name, level=row.level, parent=parent,
                               depth=LEVELS.index(row.level), valid_from=valid_from,
                               valid_to=row.valid_to, source=source, path="")
    area.path = f"{parent.path if parent else '/'}{area.pk}/"
    Area.objects.filter(pk=area.pk).update(path=area.path)
    return area


def _changes(existing: Area, row: DivisionRow, parent: Area | None) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    if existing.name != row.name:
        changes["name"] = [existing.name, row.name]
    if existing.valid_to != row.valid_to:
        changes["valid_to"] = [existing.valid_to, row.valid_to]
    if existing.parent_id != (parent.pk if parent else None):
        changes["parent"] = [existing.parent_id, parent.pk if parent else None]
    return changes


def _move_subtree(old_path: str, new_path: str) -> None:
    """Re-parenting is rare (a re-division): rewrite the descendants' paths."""
    descendants = list(Area.objects.filter(path__startswith=old_path).exclude(path=old_path))
    for area in descendants:
        area.path = new_path + area.path[len(old_path):]
    Area.objects.bulk_update(descendants, ["path"])
