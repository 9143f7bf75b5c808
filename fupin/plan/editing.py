"""Writes of the plan itself, for the district office (PLAN_MANAGE): plans with their period, measures and
sub-items with their lead and cooperating units, and tasks with targets, deadlines and units.

Every write checks everything before it touches a row, inside one transaction, so a refused request changes
nothing; each writes one audit entry with what changed. What is changed here gets ``edited_at``, and
`fupin seed-reference` leaves it alone from then on (see :mod:`fupin.plan.seed`, ADR 0014). Measures and tasks
that came from the plan's text are edited or retired, never deleted (loading the file would bring them back);
deleting is only for what was added here and nothing refers to. A task units have reported on is retired.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, Model
from django.utils import timezone

from fupin.accounts.access import can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, DomainError
from fupin.plan.models import (
    Agreement,
    Measure,
    MeasureUnit,
    Plan,
    ProgressReport,
    ReportLine,
    Review,
    Survey,
    Task,
    Unit,
)

PLAN_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")
MEASURE_CODE = re.compile(r"^\d{1,3}(\.\d{1,3}){0,5}$")
TASK_CODE = re.compile(r"^[A-Z0-9][A-Za-z0-9.\-]{0,29}$")
FIRST_YEAR, LAST_YEAR = 2000, 2100

TITLE_REQUIRED = "须填写名称 / a title is required"
PLAN_CODE_FORMAT = ("规划代码须为 2—60 位小写字母、数字或连字符，如 yancheng-2021-2025 / a plan code is 2-60 lower-case "
                    "letters, digits or hyphens")
PLAN_CODE_TAKEN = "规划代码“{code}”已被“{title}”使用 / the plan code “{code}” is taken by “{title}”"
PLAN_CODE_FIXED = "规划代码建立后不能修改 / a plan's code does not change"
PLAN_YEARS_RANGE = "年度须在 {first}—{last} 之间 / years lie between {first} and {last}"
PLAN_YEARS_ORDER = ("截止年度（{end}）不能早于起始年度（{start}） / the plan cannot end ({end}) before it starts "
                    "({start})")
PLAN_PERIOD_EXCLUDES_TASK = ("规划期不能改为 {start}—{end} 年：任务“{task}”（{code}）的完成时限 {deadline} 在其外 / "
                             "the period {start}-{end} would leave out the task {code} due {deadline}")
PLAN_PERIOD_EXCLUDES_RECORD = ("规划期不能改为 {start}—{end} 年：已有 {year} 年的{what} / the period {start}-{end} "
                               "would leave out the {year} {what_en}")
MEASURE_CODE_FORMAT = ("举措编号“{code}”格式不对：须为以点分隔的数字，如 2.1.3 / the measure number “{code}” must be "
                       "digits separated by dots, such as 2.1.3")
MEASURE_CODE_TAKEN = ("编号“{code}”已被本规划的举措“{title}”使用 / the number “{code}” is taken by the measure "
                      "“{title}”")
MEASURE_CODE_PARENT = ("子项编号“{code}”须以上级举措编号“{parent}.”开头 / a sub-item's number “{code}” starts with its "
                       "measure's “{parent}.”")
MEASURE_CODE_HAS_CHILDREN = ("举措“{title}”已有子项，编号不能修改（子项编号以它开头） / the measure “{title}” has "
                             "sub-items numbered after it: its number cannot change")
MEASURE_OTHER_PLAN = "上级举措不属于本规划 / the parent measure belongs to another plan"
UNIT_BOTH_ROLES = ("“{unit}”不能同时是牵头单位和协同单位 / “{unit}” cannot be both a lead and a cooperating "
                   "unit")
MEASURE_EDGE = "“{title}”已是同级的{edge}一项 / “{title}” is already the {edge_en} of its level"
MEASURE_FROM_TEXT = ("举措“{title}”来自规划文本，不能删除 / the measure “{title}” comes from the plan's text and "
                     "cannot be deleted")
MEASURE_NOT_EMPTY = ("举措“{title}”下还有子项或任务，不能删除 / the measure “{title}” still has sub-items or tasks")
TASK_CODE_FORMAT = ("任务编号“{code}”格式不对：须为 1—30 位字母、数字、点或连字符，以数字或大写字母开头，如 2.1-3 / "
                    "the task number “{code}” is 1-30 letters, digits, dots or hyphens, starting with a digit or "
                    "a capital letter")
TASK_CODE_TAKEN = "任务编号“{code}”已被本规划的任务“{title}”使用 / the task number “{code}” is taken by “{title}”"
TASK_DEADLINE_OUTSIDE = ("完成时限 {deadline} 不在规划期（{start}—{end} 年）内 / the deadline {deadline} lies outside "
                         "the plan's years ({start}-{end})")
TASK_DEADLINE_YEAR = ("“{title}”是 {year} 年度的任务，完成时限须在 {year} 年内 / “{title}” is the {year} task: its "
                      "deadline lies in {year}")
TASK_LEAD_REQUIRED = "须选择牵头单位 / a task needs its lead unit"
TASK_LEAD_GROUP = ("“{unit}”是单位组，不能牵头任务，请选择具体单位 / “{unit}” is a group of units: a task is led by "
                   "one unit")
TASK_MEASURE_OTHER_PLAN = "举措不属于本规划 / the measure belongs to another plan"
TASK_RETIRED = "任务“{title}”已撤销，不能再修改 / the task “{title}” is retired and does not change"
TASK_NOT_OPEN = ("只有进行中的任务可以撤销（“{title}”：{status}） / only an open task can be retired (“{title}”: "
                 "{status})")
RETIRE_REASON_REQUIRED = "撤销须说明理由 / say why the task is retired"
TASK_FROM_TEXT = ("任务“{title}”来自规划文本或会议决定，不能删除，请撤销 / the task “{title}” comes from the plan's "
                  "text or a meeting: retire it instead")
TASK_HAS_REPORTS = ("任务“{title}”已有 {n} 份进展报告填报，不能删除，请撤销 / {n} reports name the task “{title}”: "
                    "retire it instead")


def _ensure_manage(actor: User | None) -> None:
    if actor is not None and not can(actor, Cap.PLAN_MANAGE):
        raise PermissionDenied(Cap.PLAN_MANAGE)


def _refuse(message: str, code: str, field: str | None = None) -> BadInput:
    return BadInput(message, code=code, fields={field: [message]} if field else None)


def _changes(obj: Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Field -> [old, new] for each value that differs from ``obj``'s."""
    return {k: [getattr(obj, k), v] for k, v in values.items() if getattr(obj, k) != v}


# --- Plans ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanInput:
    code: str
    title: str
    starts_year: int
    ends_year: int
    issuer: str = ""
    issued_on: date | None = None


def _check_period(plan: Plan | None, start: int, end: int) -> None:
    for year in (start, end):
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise _refuse(PLAN_YEARS_RANGE.format(first=FIRST_YEAR, last=LAST_YEAR), "PLAN_YEARS_RANGE",
                          "starts_year" if year == start else "ends_year")
    if end < start:
        raise _refuse(PLAN_YEARS_ORDER.format(start=start, end=end), "PLAN_YEARS_ORDER", "ends_year")
    if plan is None:
        return
    task = (Task.objects.filter(plan=plan).exclude(deadline__range=(date(start, 1, 1), date(end, 12, 31)))
            .order_by("deadline", "code").first())
    if task is not None:
        raise _refuse(PLAN_PERIOD_EXCLUDES_TASK.format(start=start, end=end, task=task.title, code=task.code,
                                                       deadline=task.deadline), "PLAN_PERIOD_EXCLUDES")
    for model, what, what_en in ((ProgressReport, "进展报告", "progress reports"), (Review, "年度考核", "review"),
                                 (Agreement, "责任书", "agreements"), (Survey, "满意度调查", "surveys")):
        outside: Any = (model.objects.filter(plan=plan).exclude(year__range=(start, end))  # type: ignore[attr-defined]
                        .order_by("year").values_list("year", flat=True).first())
        if outside is not None:
            raise _refuse(PLAN_PERIOD_EXCLUDES_RECORD.format(start=start, end=end, year=outside, what=what,
                                                             what_en=what_en), "PLAN_PERIOD_EXCLUDES")


def _plan_values(data: PlanInput) -> dict[str, Any]:
    if not data.title.strip():
        raise _refuse(TITLE_REQUIRED, "TITLE_REQUIRED", "title")
    return {"title": data.title.strip(), "starts_year": data.starts_year, "ends_year": data.ends_year,
            "issuer": data.issuer.strip(), "issued_on": data.issued_on}


@transaction.atomic
def plan_create(data: PlanInput, *, actor: User | None) -> Plan:
    """A new plan with its name, code and period; its measures and tasks are added afterwards."""
    _ensure_manage(actor)
    values = _plan_values(data)
    code = data.code.strip()
    if not PLAN_CODE.match(code):
        raise _refuse(PLAN_CODE_FORMAT, "PLAN_CODE_FORMAT", "code")
    taken = Plan.objects.filter(code=code).first()
    if taken is not None:
        raise _refuse(PLAN_CODE_TAKEN.format(code=code, title=taken.title), "PLAN_CODE_TAKEN", "code")
    _check_period(None, data.starts_year, data.ends_year)
    try:
        with transaction.atomic():
            plan = Plan.objects.create(code=code, edited_at=timezone.now(), **values)
    except IntegrityError as exc:  # the same code, created a moment ago by someone else
        raise _refuse(PLAN_CODE_TAKEN.format(code=code, title=values["title"]), "PLAN_CODE_TAKEN", "code") from exc
    audit_record(actor=actor, action=Action.CREATE, obj=plan, changes={"code": code, **values})
    return plan


@transaction.atomic
def plan_update(plan: Plan, data: PlanInput, *, actor: User | None) -> Plan:
    """Rename the plan or change its period; a period that would leave out a task's deadline, or a year with
    reports, a review, agreements or surveys, is refused."""
    _ensure_manage(actor)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if data.code.strip() and data.code.strip() != plan.code:
        raise _refuse(PLAN_CODE_FIXED, "PLAN_CODE_FIXED", "code")
    values = _plan_values(data)
    _check_period(plan, data.starts_year, data.ends_year)
    changes = _changes(plan, values)
    for field, value in values.items():
        setattr(plan, field, value)
    plan.edited_at = timezone.now()
    plan.save(update_fields=[*values, "edited_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=plan, changes=changes)
    return plan


# --- Measures and sub-items ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureInput:
    code: str
    title: str
    label: str = ""
    text: str = ""
    leads: Sequence[Unit] = ()
    cooperating: Sequence[Unit] = ()


def _check_units(leads: Sequence[Unit], cooperating: Sequence[Unit]) -> None:
    both = [u for u in leads if u.pk in {c.pk for c in cooperating}]
    if both:
        raise _refuse(UNIT_BOTH_ROLES.format(unit=both[0].name), "UNIT_BOTH_ROLES", "cooperating")


def _measure_values(plan: Plan, data: MeasureInput, *, parent: Measure | None, measure: Measure | None
                    ) -> dict[str, Any]:
    code = data.code.strip()
    if not MEASURE_CODE.match(code):
        raise _refuse(MEASURE_CODE_FORMAT.format(code=code), "MEASURE_CODE_FORMAT", "code")
    if parent is not None and not code.startswith(f"{parent.code}."):
        raise _refuse(MEASURE_CODE_PARENT.format(code=code, parent=parent.code), "MEASURE_CODE_PARENT", "code")
    others = Measure.objects.filter(plan=plan, code=code)
    taken = (others.exclude(pk=measure.pk) if measure else others).first()
    if taken is not None:
        raise _refuse(MEASURE_CODE_TAKEN.format(code=code, title=taken.title), "MEASURE_CODE_TAKEN", "code")
    if measure is not None and code != measure.code and measure.children.exists():
        raise _refuse(MEASURE_CODE_HAS_CHILDREN.format(title=measure.title), "MEASURE_CODE_HAS_CHILDREN", "code")
    if not data.title.strip():
        raise _refuse(TITLE_REQUIRED, "TITLE_REQUIRED", "title")
    _check_units(data.leads, data.cooperating)
    return {"code": code, "title": data.title.strip(), "label": data.label.strip(), "text": data.text.strip()}


def _units_of(measure: Measure) -> dict[str, list[str]]:
    rows = MeasureUnit.objects.filter(measure=measure).select_related("unit").order_by("role", "order")
    return {role: [r.unit.code for r in rows if r.role == role] for role in MeasureUnit.Role.values}


def _write_units(measure: Measure, data: MeasureInput) -> None:
    MeasureUnit.objects.filter(measure=measure).delete()
    MeasureUnit.objects.bulk_create(
        [MeasureUnit(measure=measure, unit=u, role=MeasureUnit.Role.LEAD, order=i) for i, u in enumerate(data.leads)]
        + [MeasureUnit(measure=measure, unit=u, role=MeasureUnit.Role.COOPERATING, order=i)
           for i, u in enumerate(data.cooperating)])


def _lock(plan: Plan) -> Plan:
    """The plan's row, locked: codes are unique per plan and the reading order is renumbered under it."""
    return Plan.objects.select_for_update().get(pk=plan.pk)


@transaction.atomic
def measure_create(plan: Plan, data: MeasureInput, *, actor: User | None, parent: Measure | None = None) -> Measure:
    """A measure (or, with ``parent``, a sub-item of it), placed last among its siblings."""
    _ensure_manage(actor)
    plan = _lock(plan)
    if parent is not None and parent.plan_id != plan.pk:
        raise _refuse(MEASURE_OTHER_PLAN, "MEASURE_OTHER_PLAN")
    values = _measure_values(plan, data, parent=parent, measure=None)
    last = Measure.objects.filter(plan=plan).aggregate(m=Max("order"))["m"] or 0
    measure = Measure.objects.create(plan=plan, parent=parent, order=last + 1, source=Measure.Source.MANUAL,
                                     edited_at=timezone.now(), **values)
    _write_units(measure, data)
    measures_renumber(plan)
    audit_record(actor=actor, action=Action.CREATE, obj=measure, changes={
        "plan": plan.code, "parent": getattr(parent, "code", None), **values, **_units_of(measure)})
    return measure


@transaction.atomic
def measure_update(measure: Measure, data: MeasureInput, *, actor: User | None) -> Measure:
    _ensure_manage(actor)
    plan = _lock(measure.plan)
    measure = Measure.objects.select_related("parent").get(pk=measure.pk)
    values = _measure_values(plan, data, parent=measure.parent, measure=measure)
    before = _units_of(measure)
    changes: dict[str, Any] = _changes(measure, values)
    for field, value in values.items():
        setattr(measure, field, value)
    measure.edited_at = timezone.now()
    measure.save(update_fields=[*values, "edited_at"])
    _write_units(measure, data)
    after = _units_of(measure)
    changes |= {role: [before[role], after[role]] for role in after if before[role] != after[role]}
    audit_record(actor=actor, action=Action.UPDATE, obj=measure, changes=changes)
    return measure


def _tree(plan: Plan) -> dict[int | None, list[Measure]]:
    children: dict[int | None, list[Measure]] = {}
    for m in Measure.objects.filter(plan=plan).order_by("order", "pk"):
        children.setdefault(m.parent_id, []).append(m)
    return children


def measures_renumber(plan: Plan) -> int:
    """Number the plan's measures 1, 2, … in reading order (each measure, then its sub-items; siblings by their
    current order); returns how many changed. Called under the plan's lock (or in the seed's transaction)."""
    children = _tree(plan)
    ordered: list[Measure] = []

    def walk(parent: int | None) -> None:
        for m in children.get(parent, []):
            ordered.append(m)
            walk(m.pk)

    walk(None)
    changed = []
    for number, m in enumerate(ordered, start=1):
        if m.order != number:
            m.order = number
            changed.append(m)
    Measure.objects.bulk_update(changed, ["order"])
    return len(changed)


@transaction.atomic
def measure_move(measure: Measure, *, up: bool, actor: User | None) -> Measure:
    """Swap the measure (with its sub-items) with the sibling before (``up``) or after it."""
    _ensure_manage(actor)
    plan = _lock(measure.plan)
    siblings = _tree(plan).get(measure.parent_id, [])
    at = next(i for i, m in enumerate(siblings) if m.pk == measure.pk)
    other_at = at - 1 if up else at + 1
    if not 0 <= other_at < len(siblings):
        raise DomainError(MEASURE_EDGE.format(title=measure.title, edge="第" if up else "最后",
                                              edge_en="first" if up else "last"), code="MEASURE_EDGE")
    mine, other = siblings[at], siblings[other_at]
    now = timezone.now()
    Measure.objects.filter(pk=mine.pk).update(order=other.order, edited_at=now)
    Measure.objects.filter(pk=other.pk).update(order=mine.order, edited_at=now)
    measures_renumber(plan)
    audit_record(actor=actor, action=Action.UPDATE, obj=mine, changes={
        "moved": "up" if up else "down", "swapped_with": other.code})
    mine.refresh_from_db()
    return mine


@transaction.atomic
def measure_delete(measure: Measure, *, actor: User | None) -> None:
    """Delete a measure added in the UI that has neither sub-items nor tasks."""
    _ensure_manage(actor)
    plan = _lock(measure.plan)
    measure = Measure.objects.get(pk=measure.pk)
    if measure.source != Measure.Source.MANUAL:
        raise DomainError(MEASURE_FROM_TEXT.format(title=measure.title), code="MEASURE_FROM_TEXT")
    if measure.children.exists() or measure.tasks.exists():
        raise DomainError(MEASURE_NOT_EMPTY.format(title=measure.title), code="MEASURE_NOT_EMPTY")
    audit_record(actor=actor, action=Action.DELETE, obj=measure, changes={
        "plan": plan.code, "code": measure.code, "title": measure.title, **_units_of(measure)})
    measure.delete()
    measures_renumber(plan)


# --- Tasks -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskInput:
    code: str
    title: str
    deadline: date
    lead: Unit | None
    cooperating: Sequence[Unit] = ()
    target: str = ""


def _task_values(plan: Plan, data: TaskInput, *, task: Task | None) -> dict[str, Any]:
    code = data.code.strip()
    if not TASK_CODE.match(code):
        raise _refuse(TASK_CODE_FORMAT.format(code=code), "TASK_CODE_FORMAT", "code")
    others = Task.objects.filter(plan=plan, code=code)
    taken = (others.exclude(pk=task.pk) if task else others).first()
    if taken is not None:
        raise _refuse(TASK_CODE_TAKEN.format(code=code, title=taken.title), "TASK_CODE_TAKEN", "code")
    if not data.title.strip():
        raise _refuse(TITLE_REQUIRED, "TITLE_REQUIRED", "title")
    if not plan.starts_year <= data.deadline.year <= plan.ends_year:
        raise _refuse(TASK_DEADLINE_OUTSIDE.format(deadline=data.deadline, start=plan.starts_year, end=plan.ends_year),
                      "TASK_DEADLINE_OUTSIDE", "deadline")
    if task is not None and task.year is not None and data.deadline.year != task.year:
        raise _refuse(TASK_DEADLINE_YEAR.format(title=task.title, year=task.year), "TASK_DEADLINE_YEAR", "deadline")
    if data.lead is None:
        raise _refuse(TASK_LEAD_REQUIRED, "TASK_LEAD_REQUIRED", "lead")
    if data.lead.kind == Unit.Kind.GROUP:
        raise _refuse(TASK_LEAD_GROUP.format(unit=data.lead.name), "TASK_LEAD_GROUP", "lead")
    _check_units([data.lead], data.cooperating)
    return {"code": code, "title": data.title.strip(), "deadline": data.deadline, "lead": data.lead,
            "target": data.target.strip()}


def _audited(values: dict[str, Any], cooperating: Sequence[Unit]) -> dict[str, Any]:
    return {**values, "lead": values["lead"].code, "cooperating": sorted(u.code for u in cooperating)}


@transaction.atomic
def task_create(plan: Plan, data: TaskInput, *, actor: User | None, measure: Measure | None = None) -> Task:
    _ensure_manage(actor)
    plan = _lock(plan)
    if measure is not None and measure.plan_id != plan.pk:
        raise _refuse(TASK_MEASURE_OTHER_PLAN, "TASK_MEASURE_OTHER_PLAN")
    values = _task_values(plan, data, task=None)
    task = Task.objects.create(plan=plan, measure=measure, source=Task.Source.MANUAL, edited_at=timezone.now(),
                               **values)
    task.cooperating.set(data.cooperating)
    audit_record(actor=actor, action=Action.CREATE, obj=task, changes={
        "plan": plan.code, "measure": getattr(measure, "code", None), **_audited(values, data.cooperating)})
    return task


@transaction.atomic
def task_update(task: Task, data: TaskInput, *, actor: User | None) -> Task:
    """Change a task's number, title, target, deadline or units; a retired task does not change."""
    _ensure_manage(actor)
    plan = _lock(task.plan)
    task = Task.objects.select_related("lead").get(pk=task.pk)
    if task.status == Task.Status.RETIRED:
        raise DomainError(TASK_RETIRED.format(title=task.title), code="TASK_RETIRED")
    values = _task_values(plan, data, task=task)
    before = sorted(task.cooperating.values_list("code", flat=True))
    changes: dict[str, Any] = {k: [getattr(v[0], "code", v[0]), getattr(v[1], "code", v[1])]
                               for k, v in _changes(task, values).items()}
    for field, value in values.items():
        setattr(task, field, value)
    task.edited_at = timezone.now()
    task.save(update_fields=[*values, "edited_at"])
    task.cooperating.set(data.cooperating)
    after = sorted(u.code for u in data.cooperating)
    if after != before:
        changes["cooperating"] = [before, after]
    audit_record(actor=actor, action=Action.UPDATE, obj=task, changes=changes)
    return task


@transaction.atomic
def task_retire(task: Task, *, reason: str, actor: User | None, today: date | None = None) -> Task:
    """Retire (撤销) an open task: nobody owes it any more; the reports that name it keep it."""
    _ensure_manage(actor)
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != Task.Status.OPEN:
        raise DomainError(TASK_NOT_OPEN.format(title=task.title, status=task.get_status_display()),
                          code="TASK_NOT_OPEN")
    if not reason.strip():
        raise _refuse(RETIRE_REASON_REQUIRED, "RETIRE_REASON_REQUIRED", "reason")
    task.status, task.retired_on = Task.Status.RETIRED, today or timezone.localdate()
    task.retired_reason, task.edited_at = reason.strip()[:300], timezone.now()
    task.save(update_fields=["status", "retired_on", "retired_reason", "edited_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=task, changes={
        "status": [Task.Status.OPEN, Task.Status.RETIRED], "reason": task.retired_reason,
        "reports": ReportLine.objects.filter(task=task).count()})
    return task


@transaction.atomic
def task_delete(task: Task, *, actor: User | None) -> None:
    """Delete a task added in the UI that no report names; any other is retired instead."""
    _ensure_manage(actor)
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.source != Task.Source.MANUAL:
        raise DomainError(TASK_FROM_TEXT.format(title=task.title), code="TASK_FROM_TEXT")
    reports = ReportLine.objects.filter(task=task).count()
    if reports:
        raise DomainError(TASK_HAS_REPORTS.format(title=task.title, n=reports), code="TASK_HAS_REPORTS")
    audit_record(actor=actor, action=Action.DELETE, obj=task, changes={
        "plan": task.plan.code, "code": task.code, "title": task.title, "deadline": task.deadline})
    task.delete()
