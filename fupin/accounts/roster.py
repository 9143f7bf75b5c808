"""A roster of new accounts from Excel or CSV (``fupin user-import FILE`` and the upload page, as a job).

The import framework (:mod:`fupin.core.imports`) reads the list and checks its cells: the same file formats,
located bilingual problems and problems workbook as every other import. Then each row is checked as the services
would check it (username free and well formed, the phone, the division, the role's level and department, and
what the importing manager may grant), and a username given twice in the file is flagged on every row that has
it. Any problem refuses the whole roster: nothing is written. Otherwise every account is created in one
transaction through :func:`fupin.accounts.user_services.user_register`, with a temporary password to change at
the first sign-in; the passwords go to a credentials workbook handed over once (the page) or to the command's
output.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.utils import translation

from fupin.accounts import access
from fupin.accounts.models import Department, User
from fupin.accounts.roles import Cap, Role
from fupin.accounts.user_services import (
    PHONE_INVALID,
    grant_problem,
    name_problem,
    phone_normalised,
    user_register,
    username_problem,
)
from fupin.areas.models import Area
from fupin.core.audit import Action, audit_record
from fupin.core.errors import DomainError
from fupin.core.imports.checks import Findings, duplicates, problems_from_frame
from fupin.core.imports.lists import list_check
from fupin.core.imports.lock import STAGE_WAIT, import_transaction
from fupin.core.imports.outcome import STAGE_WRITE, ImportOutcome, Progress, Tracker
from fupin.core.imports.problems import Problem, make_problem, register_rules, split_bilingual
from fupin.core.imports.read import ROW
from fupin.core.imports.report import write_problems_workbook
from fupin.core.imports.sheets import Column, Sheet
from fupin.core.output import write_table

SHEET_NAME = "用户花名册"
H_USERNAME, H_NAME, H_PHONE, H_ROLE, H_AREA, H_DEPARTMENT, H_FROM = (
    "用户名", "姓名", "联系电话", "角色", "区划代码", "部门代码", "起始日期")
CREDENTIAL_HEADERS = ("用户名 / Username", "姓名 / Name", "临时密码 / Temporary password")

ROSTER_RULES: dict[str, tuple[str, str]] = {
    "USERNAME_DUPLICATE": ("用户名在文件中重复（第 {rows} 行）", "the username appears more than once in the file "
                           "(rows {rows})"),
    "AREA_UNKNOWN": ("不是平台中现行的行政区划代码", "not a division code in use on the platform"),
}
register_rules(ROSTER_RULES)
# Where a refusal of the services is located: the column it is about.
CODE_COLUMNS = {
    "NAME_INVALID": H_NAME, "USERNAME_INVALID": H_USERNAME, "USERNAME_TAKEN": H_USERNAME, "PHONE_INVALID": H_PHONE,
    "ROLE_LEVEL_MISMATCH": H_AREA, "AREA_ENDED": H_AREA, "AREA_OUTSIDE_SCOPE": H_AREA,
    "DEPARTMENT_REQUIRED": H_DEPARTMENT, "DEPARTMENT_NOT_ALLOWED": H_DEPARTMENT,
    "ROLE_ABOVE_OWN": H_ROLE, "CAPABILITY_NOT_HELD": H_ROLE, "NOT_MANAGER": H_ROLE,
}


def roster_sheet() -> Sheet:
    """The roster's columns. 角色 takes a role's Chinese name; 部门代码 a department's code."""
    with translation.override("zh-hans"):
        roles = tuple(str(label) for label in Role.labels)
    department_codes = tuple(Department.objects.order_by("code").values_list("code", flat=True))
    return Sheet(SHEET_NAME, "roster", (
        Column(H_USERNAME, "username", "text", required=True, max_length=150),
        Column(H_NAME, "name", "text", required=True, max_length=50),
        Column(H_PHONE, "phone", "text", max_length=20),
        Column(H_ROLE, "role", "code", required=True, values=roles),
        Column(H_AREA, "area", "division", required=True),
        Column(H_DEPARTMENT, "department", "code", values=department_codes),
        Column(H_FROM, "valid_from", "date"),
    ))


def _role_by_label() -> dict[str, str]:
    with translation.override("zh-hans"):
        return {str(label): value for value, label in Role.choices}


@dataclass
class RosterRow:
    row: int
    username: str
    name: str
    phone: str
    role: str
    area: Area
    department: Department | None
    valid_from: date | None


@dataclass
class RosterResult(ImportOutcome):
    rows: int = 0
    credentials: list[tuple[str, str, str]] = field(default_factory=list)
    """(username, name, temporary password) of every account created."""


def _problem(label: str, row: int, header: str, value: Any, error: DomainError) -> Problem:
    zh, en = split_bilingual(error.message)
    return Problem(label, row, header, "" if value is None else str(value), zh, en, error.code)


def _domain_check(raw: list[tuple[Any, ...]], label: str, actor: User | None) -> tuple[list[RosterRow], list[Problem]]:
    """Each row as the services would check it; one query per table, not per row."""
    roles = _role_by_label()
    areas = {a.code: a for a in Area.objects.filter(code__in={r[5] for r in raw if r[5]}, valid_to__isnull=True)}
    departments = {d.code: d for d in Department.objects.all()}
    rows: list[RosterRow] = []
    problems: list[Problem] = []
    for row, username, name, phone, role_label, area_code, department_code, valid_from in raw:
        found: list[Problem] = []
        refused = username_problem(username)
        if refused is not None:
            found.append(_problem(label, row, H_USERNAME, username, refused))
        refused = name_problem(name or "")
        if refused is not None and refused.code == "NAME_INVALID":  # blank and too long: the framework's own rules
            found.append(_problem(label, row, H_NAME, name, refused))
        if phone and phone_normalised(phone) is None:
            found.append(_problem(label, row, H_PHONE, phone, DomainError(PHONE_INVALID, code="PHONE_INVALID")))
        area = areas.get(area_code)
        if area is None:
            found.append(make_problem(label, row, H_AREA, area_code, "AREA_UNKNOWN"))
        else:
            department = departments.get(department_code) if department_code else None
            refused = grant_problem(actor, role=roles[role_label], area=area, department=department)
            if refused is not None:
                header = CODE_COLUMNS.get(refused.code, H_ROLE)
                value = {H_AREA: area_code, H_DEPARTMENT: department_code}.get(header, role_label)
                found.append(_problem(label, row, header, value, refused))
            elif not found:
                rows.append(RosterRow(row, username, name, phone or "", roles[role_label], area, department, valid_from))
        problems.extend(found)
    return rows, problems


def roster_load(path: Path, *, actor: User | None, name: str | None = None, progress: Progress | None = None
                ) -> RosterResult:
    """Check the roster and, when it has no problem at all, create its accounts (all or nothing)."""
    if actor is not None:
        access.ensure_can(actor, Cap.USERS_MANAGE)
    shown = name or path.name
    sheet = roster_sheet()
    tracker = Tracker(progress)
    result = RosterResult()
    checked = list_check(path, shown, sheet, result, tracker, passes=3)
    if checked is None:
        return result
    found = Findings()
    duplicates(checked.frame, ["username"], checked.label, H_USERNAME, "username", "USERNAME_DUPLICATE", found)
    result.problems.extend(problems_from_frame(found.frame(), [checked.label], (sheet,)))
    raw = [r for r in checked.frame.select(ROW, "username", "name", "phone", "role", "_area", "_department",
                                           "_valid_from").iter_rows() if r[0] not in checked.bad_rows]
    rows, more = _domain_check(raw, checked.label, actor)
    tracker.advance(checked.height)
    order = {header: i for i, header in enumerate(sheet.headers)}
    result.problems = sorted(result.problems + more, key=lambda p: (p.row or 0, order.get(p.column, 99), p.code))
    if result.refused:
        tracker.finish()
        return result
    tracker.report(STAGE_WRITE)
    _write(rows, result, actor, shown, tracker)
    tracker.finish()
    return result


def _write(rows: list[RosterRow], result: RosterResult, actor: User | None, shown: str, tracker: Tracker) -> None:
    with import_transaction(on_wait=lambda: tracker.report(STAGE_WAIT)):
        for r in rows:
            user, password = user_register(username=r.username, name=r.name, phone=r.phone, role=r.role,
                                           area=r.area, department=r.department, valid_from=r.valid_from, actor=actor)
            result.credentials.append((user.username, user.name, password))
            tracker.advance(1)
        audit_record(actor=actor, action=Action.IMPORT, object_type="accounts.user", object_label=shown,
                     changes={"file": shown, "accounts": len(rows)})
    result.rows, result.written = len(rows), True


def roster_problems_workbook(result: RosterResult, path: Path, out: Path, name: str | None = None) -> None:
    sheet = roster_sheet()
    write_problems_workbook(result, [path], out, [name or path.name], (sheet,), fallback=sheet)


def credentials_write(result: RosterResult, out: Path) -> None:
    """The temporary passwords as a workbook (or CSV) only its owner can read (0600)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(descriptor)
    write_table(out, CREDENTIAL_HEADERS, result.credentials, sheet="临时密码")
    out.chmod(0o600)


def roster_template(out: Path) -> None:
    """The blank roster: its header row."""
    write_table(out, roster_sheet().headers, [], sheet=SHEET_NAME)
