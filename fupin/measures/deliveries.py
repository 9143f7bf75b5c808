"""Department deliveries by file (``fupin measures-load FILE`` and the upload page, as a job).

A department hands over its beneficiary list (身份证号, 姓名, 帮扶项目, 金额, 发放日期, 说明). The
import framework (:mod:`fupin.core.imports`) reads and checks the cells: the same file formats, the
same located bilingual problems and the same problems workbook (red cells) as the registry import.
Then each row is checked against the domain in memory, after one query per table: the person is
registered and visible to the uploader, the programme is the uploader's department's, and the
programme's rules hold (eligibility, amount limit, non-overlapping periods, against the ledger and
within the file). A file with any bad row is refused whole unless ``valid_only`` is chosen; then
only the good rows are recorded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fupin.accounts.access import ensure_can
from fupin.accounts.models import Department, User
from fupin.accounts.roles import Cap
from fupin.core.audit import Action, audit_record
from fupin.core.errors import DomainError
from fupin.core.imports.lists import list_check
from fupin.core.imports.lock import STAGE_WAIT, import_transaction
from fupin.core.imports.outcome import STAGE_WRITE, ImportOutcome, Progress, Tracker
from fupin.core.imports.problems import Problem, split_bilingual
from fupin.core.imports.read import ROW
from fupin.core.imports.report import write_problems_workbook
from fupin.core.imports.sheets import Column, Sheet
from fupin.measures import services
from fupin.measures.loops import measure_proposals
from fupin.measures.models import Measure, Programme
from fupin.measures.suggestions import ACTIVE
from fupin.registry.models import Household, Member

SHEET_NAME = "帮扶措施名单"
H_ID, H_NAME, H_PROG, H_AMOUNT, H_DATE, H_NOTE = "身份证号", "姓名", "帮扶项目", "金额", "发放日期", "说明"


def delivery_sheet() -> Sheet:
    """The list's columns; 帮扶项目 takes a programme's code or its name (the current programmes)."""
    names = tuple(v for code, name in Programme.objects.filter(active=True).values_list("code", "name")
                  for v in (code, name))
    return Sheet(SHEET_NAME, "measures", (
        Column(H_ID, "id_number", "id_number", required=True), Column(H_NAME, "name", "text", max_length=30),
        Column(H_PROG, "programme", "code", required=True, values=names), Column(H_AMOUNT, "amount", "money"),
        Column(H_DATE, "on", "date", required=True), Column(H_NOTE, "note", "text", max_length=300)))


@dataclass
class DeliveryResult(ImportOutcome):
    rows: int = 0


def _allowed_programmes(actor: User | None) -> set[str] | None:
    """None: every programme (the command line, district staff, townships: their area limits them); a
    department officer: the programmes their department delivers."""
    if actor is None or actor.can(Cap.CROSSCHECK_RUN):
        return None
    codes = {a.department.code for a in actor.active_assignments if a.department is not None}
    if not codes:
        return None
    return set(Programme.objects.filter(department_code__in=codes).values_list("code", flat=True))


def measures_load(path: Path, *, actor: User | None, name: str | None = None, valid_only: bool = False,
                  progress: Progress | None = None) -> DeliveryResult:
    if actor is not None:
        ensure_can(actor, Cap.MEASURES_DELIVER)
    shown = name or path.name
    sheet = delivery_sheet()
    tracker = Tracker(progress)
    result = DeliveryResult(valid_only=valid_only)
    checked = list_check(path, shown, sheet, result, tracker, passes=3)
    if checked is None:
        return result
    rows = [r for r in checked.frame.select(ROW, "_id_number", "name", "_programme", "_amount", "_on", "_note")
            .iter_rows() if r[0] not in checked.bad_rows]
    measures, more = _domain_check(rows, checked.label, actor)
    tracker.advance(checked.height)
    order = {header: i for i, header in enumerate(sheet.headers)}
    result.problems = sorted(result.problems + more, key=lambda p: (p.row or 0, order.get(p.column, 99)))
    if result.refused:
        tracker.finish()
        return result
    left_out = result.leave_out(checked.label, (p.row for p in result.problems))
    keep = [m for row, m in measures if row not in left_out]
    tracker.report(STAGE_WRITE)
    with import_transaction(on_wait=lambda: tracker.report(STAGE_WAIT)):
        Measure.objects.bulk_create(keep, batch_size=2000)
        measure_proposals(keep, actor=actor)  # renovations carried out: the facts they imply, offered
        audit_record(actor=actor, action=Action.IMPORT, object_type="measures.measure", object_label=shown,
                     changes={"file": shown, "rows": len(keep), "rows_left_out": len(left_out)})
    result.rows, result.written = len(keep), True
    tracker.finish()
    return result


def _problem(label: str, row: int, header: str, value: Any, message: str, code: str) -> Problem:
    zh, en = split_bilingual(message)
    return Problem(label, row, header, "" if value is None else str(value), zh, en, code)


LOOKUP_CHUNK = 5000  # values per IN (...): SQLite allows only so many query parameters


def _chunks(values: set[Any]) -> list[list[Any]]:
    ordered = sorted(values)
    return [ordered[i:i + LOOKUP_CHUNK] for i in range(0, len(ordered), LOOKUP_CHUNK)]


def _domain_check(rows: list[tuple[Any, ...]], label: str, actor: User | None) -> tuple[list[tuple[int, Measure]], list[Problem]]:
    ids = {r[1] for r in rows if r[1]}
    members: dict[str, Member] = {}
    visible: set[int] | None = set() if actor is not None else None
    for chunk in _chunks(ids):
        members.update((m.id_number, m) for m in Member.objects.filter(id_number__in=chunk).select_related("household"))
        if visible is not None:
            visible |= set(Household.objects.visible_to(actor).filter(members__id_number__in=chunk)
                           .values_list("pk", flat=True))
    household_ids = {m.household_id for m in members.values()}
    family: dict[int, list[Member]] = defaultdict(list)
    for chunk in _chunks(household_ids):
        for m in Member.objects.filter(household_id__in=chunk).order_by("pk"):
            family[m.household_id].append(m)
    programmes = {p.code: p for p in Programme.objects.filter(active=True)}
    by_name = {p.name: p for p in programmes.values()}
    allowed = _allowed_programmes(actor)
    departments = {d.code: d for d in Department.objects.all()}
    years = {r[5].year for r in rows if r[5] is not None}
    villages = {m.household.village_id for m in members.values()}
    params = {y: services.params_for(y, villages) for y in years}
    existing: dict[tuple[int, int, int | None], list[tuple[date, date | None]]] = defaultdict(list)
    for hid, pid, mid, s, e in Measure.objects.filter(household_id__in=household_ids, status__in=ACTIVE) \
            .exclude(programme__period="").values_list("household_id", "programme_id", "member_id", "starts_on", "ends_on"):
        existing[(hid, pid, mid)].append((s, e))
    out: list[tuple[int, Measure]] = []
    problems: list[Problem] = []
    for row, id_number, name, prog_text, amount_text, on, note in rows:
        member = members.get(id_number)
        if member is None or (visible is not None and member.household_id not in visible):
            problems.append(_problem(label, row, H_ID, id_number, "平台中没有该身份证号的建档立卡人员（或不在您的管辖范围）"
                                     " / no registered person with this identity number in your area", "PERSON_UNKNOWN"))
            continue
        if name and name != member.name:
            problems.append(_problem(label, row, H_NAME, name, "与平台登记的姓名不一致 / does not match the registered "
                                     "name", "NAME_MISMATCH"))
            continue
        programme = programmes.get(prog_text) or by_name[prog_text]
        if allowed is not None and programme.code not in allowed:
            problems.append(_problem(label, row, H_PROG, prog_text, "该项目不由您所在的部门实施 / this programme is "
                                     "not delivered by your department", "PROGRAMME_NOT_YOURS"))
            continue
        household = member.household
        amount = Decimal(amount_text) if amount_text is not None else None
        data = services.MeasureInput(programme, on, member=member if programme.target == "member" else None,
                                     amount=amount, evidence=(note or f"部门名单第 {row} 行")[:300])
        try:
            services.validate(data, household, services.house_of(household, family[household.pk]),
                              params[on.year][household.village_id])
        except DomainError as exc:
            column = H_AMOUNT if exc.code == "AMOUNT_OVER_LIMIT" else H_PROG
            problems.append(_problem(label, row, column, amount_text if column == H_AMOUNT else prog_text, exc.message,
                                     exc.code))
            continue
        key = (household.pk, programme.pk, data.member.pk if data.member else None)
        if programme.period:
            end = data.ends_on or on
            if any(s <= end and (e is None or e >= on) for s, e in existing[key]):
                problems.append(_problem(label, row, H_DATE, on, "与已有记录（或本文件中的另一行）的期间重叠 / the period "
                                         "overlaps a recorded measure (or another row of this file)", "PERIOD_OVERLAP"))
                continue
            existing[key].append((on, data.ends_on))
        out.append((row, Measure(household=household, member=data.member, programme=programme,
                                 department=departments.get(programme.department_code), starts_on=on,
                                 ends_on=data.ends_on, amount=amount, evidence=data.evidence,
                                 status=Measure.Status.DONE, source=Measure.Source.FILE, created_by=actor)))
    return out, problems


def delivery_problems_workbook(result: DeliveryResult, path: Path, out: Path, name: str | None = None) -> None:
    sheet = delivery_sheet()
    write_problems_workbook(result, [path], out, [name or path.name], (sheet,), fallback=sheet)

