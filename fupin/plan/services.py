"""Writes of the plan: a unit files its progress report for a period; tasks finish through reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from fupin.accounts.access import can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.assessment.models import Target
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, DomainError
from fupin.core.files import stored_file_save
from fupin.core.workflow import transition_apply
from fupin.plan.models import (
    PERIOD_END,
    Accountability,
    Agreement,
    Finding,
    FindingStep,
    Inspection,
    Meeting,
    Plan,
    ProgressReport,
    ReportAttachment,
    ReportLine,
    Survey,
    Task,
    Unit,
    period_due,
)
from fupin.plan.selectors import is_units_officer, may_report_for, unit_tasks
from fupin.workflow.services import evidence_read

SUMMARY_REQUIRED = "须填写工作进展 / the report needs a summary of the work done"
YEAR_OUTSIDE = "{year} 年不在规划期（{start}—{end}）内 / {year} is outside the plan's years ({start}-{end})"
PERIOD_NOT_ENDED = ("{year} 年{period}尚未结束，期末后才能报送 / {year} {period_en} has not ended: report after it "
                    "ends")
ALREADY_REPORTED = ("{unit}已报送 {year} 年{period}的进展报告 / {unit} has already reported for {year} {period_en}")
NOT_THE_UNITS_TASK = "任务“{task}”不属于{unit} / the task “{task}” is not one of {unit}'s"
ONLY_LEAD_FINISHES = ("只有牵头单位可以报告任务“{task}”完成 / only the lead unit can report the task “{task}” "
                      "finished")
PERCENT_RANGE = "完成进度须在 0 到 100 之间 / progress must be between 0 and 100 percent"
NOT_YOUR_UNIT = "plan.report"


@dataclass(frozen=True)
class LineInput:
    task_id: int
    progress: str = ""
    percent: int | None = None
    finished: bool = False


def _period_en(period: str) -> str:
    return {"Q1": "Q1", "Q2": "Q2", "Q3": "Q3", "Y": "the year"}[period]


@transaction.atomic
def report_submit(*, plan: Plan, unit: Unit, year: int, period: str, summary: str, actor: User | None,
                  lines: Sequence[LineInput] = (), files: Iterable[Any] = (), today: date | None = None
                  ) -> ProgressReport:
    """File ``unit``'s report for ``period`` of ``year``; lines marked finished finish the unit's own tasks.
    Refused (nothing written) for someone not reporting for the unit, a period not ended, a second report."""
    if actor is not None and not may_report_for(actor, unit):
        raise PermissionDenied(Cap.PLAN_REPORT)
    today = today or timezone.localdate()
    names = {"year": year, "period": dict(PERIOD_LABELS)[period], "period_en": _period_en(period), "unit": unit.name}
    if not summary.strip():
        raise BadInput(SUMMARY_REQUIRED, fields={"summary": [SUMMARY_REQUIRED]})
    if year not in plan.years:
        raise BadInput(YEAR_OUTSIDE.format(year=year, start=plan.starts_year, end=plan.ends_year),
                       fields={"year": ["out of range"]})
    if date(year, *PERIOD_END[period]) > today:
        raise DomainError(PERIOD_NOT_ENDED.format(**names), code="PERIOD_NOT_ENDED")
    Unit.objects.select_for_update().filter(pk=unit.pk).first()  # one report per period, checked under a lock
    if ProgressReport.objects.filter(plan=plan, unit=unit, year=year, period=period).exists():
        raise DomainError(ALREADY_REPORTED.format(**names), code="ALREADY_REPORTED")
    tasks = {t.pk: t for t in unit_tasks(plan, unit)}
    for line in lines:
        task = tasks.get(line.task_id)
        if task is None:
            raise BadInput(NOT_THE_UNITS_TASK.format(task=line.task_id, unit=unit.name), code="NOT_THE_UNITS_TASK")
        if line.finished and task.lead_id != unit.pk:
            raise BadInput(ONLY_LEAD_FINISHES.format(task=task.title), code="ONLY_LEAD_FINISHES")
        if line.percent is not None and not 0 <= line.percent <= 100:
            raise BadInput(PERCENT_RANGE, fields={"percent": [PERCENT_RANGE]})
    evidence = evidence_read(files)
    user = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            report = ProgressReport.objects.create(plan=plan, unit=unit, year=year, period=period,
                                                   summary=summary.strip(), submitted_by=user,
                                                   due_on=period_due(plan, year, period))
    except IntegrityError as exc:  # a concurrent report for the same period won the race
        raise DomainError(ALREADY_REPORTED.format(**names), code="ALREADY_REPORTED") from exc
    ReportLine.objects.bulk_create(
        ReportLine(report=report, task_id=line.task_id, progress=line.progress.strip(), percent=line.percent,
                   finished=line.finished)
        for line in lines if line.progress.strip() or line.percent is not None or line.finished)
    finished = [line.task_id for line in lines if line.finished]
    Task.objects.filter(pk__in=finished, status=Task.Status.OPEN).update(
        status=Task.Status.DONE, done_on=timezone.localtime(report.submitted_at).date())
    for item in evidence:
        stored_file_save(ReportAttachment(report=report), item)
    audit_record(actor=actor, action=Action.CREATE, obj=report, changes={
        "unit": unit.code, "year": year, "period": period, "late": report.is_late, "lines": len(lines),
        "tasks_finished": finished, "attachments": len(evidence)})
    return report


PERIOD_LABELS = [("Q1", "一季度"), ("Q2", "二季度"), ("Q3", "三季度"), ("Y", "全年")]


# --- Inspections (督查巡查), rectification and its verification, accountability ----------------------------

NO_FINDINGS = "督查记录须至少有一个问题 / an inspection record needs at least one finding"
FINDING_FIELDS = "问题描述和整改时限均须填写 / each finding needs a description and a deadline"
DEADLINE_BEFORE_INSPECTION = "整改时限早于督查日期 / the rectification deadline is before the inspection"
RECTIFICATION_REQUIRED = "须说明整改情况 / describe the rectification"
REJECT_NOTE_REQUIRED = "退回须说明理由 / say why the rectification is sent back"
REASON_REQUIRED = "须填写问责依据 / the accountability record needs its grounds"


@dataclass(frozen=True)
class FindingInput:
    unit: Unit
    problem: str
    deadline: date


@transaction.atomic
def inspection_record(*, plan: Plan, area: Any, title: str, held_on: date, findings: Sequence[FindingInput],
                      actor: User | None, unannounced: bool = True, inspectors: str = "", summary: str = "") -> Inspection:
    _ensure_manage(actor)
    if not findings:
        raise BadInput(NO_FINDINGS, code="NO_FINDINGS")
    for item in findings:
        if not item.problem.strip() or item.deadline is None:
            raise BadInput(FINDING_FIELDS, code="FINDING_FIELDS")
        if item.deadline < held_on:
            raise BadInput(DEADLINE_BEFORE_INSPECTION, code="DEADLINE_BEFORE_INSPECTION")
    user = actor if getattr(actor, "is_authenticated", False) else None
    inspection = Inspection.objects.create(plan=plan, area=area, title=title.strip(), held_on=held_on,
                                           unannounced=unannounced, inspectors=inspectors.strip(),
                                           summary=summary.strip(), created_by=user)
    Finding.objects.bulk_create(Finding(inspection=inspection, unit=item.unit, problem=item.problem.strip(),
                                        deadline=item.deadline) for item in findings)
    audit_record(actor=actor, action=Action.CREATE, obj=inspection, area_path=area.path,
                 changes={"held_on": held_on, "findings": [(f.unit.code, f.deadline) for f in findings]})
    return inspection


def _ensure_manage(actor: User | None) -> None:
    if actor is not None and not can(actor, Cap.PLAN_MANAGE):
        raise PermissionDenied(Cap.PLAN_MANAGE)


def finding_rectify(finding: Finding, *, rectification: str, actor: User | None, today: date | None = None) -> Finding:
    """The unit reports its rectification; it waits for the district office's verification."""

    def own_unit(locked: Finding) -> None:
        if actor is not None and not is_units_officer(actor, locked.unit):  # the office verifies: it does not rectify
            raise PermissionDenied(Cap.PLAN_REPORT)
        if not rectification.strip():
            raise BadInput(RECTIFICATION_REQUIRED, fields={"rectification": [RECTIFICATION_REQUIRED]})

    user = actor if getattr(actor, "is_authenticated", False) else None
    day = today or timezone.localdate()
    step = transition_apply(
        finding, FindingStep.Action.RECTIFY, actor=actor, note=rectification.strip(), check=own_unit,
        lock=lambda rows: rows.select_related("unit"),
        changes={"rectification": rectification.strip(), "rectified_on": day, "rectified_by": user},
        audit={"on_time": day <= finding.deadline})
    return step.obj


def finding_verify(finding: Finding, *, accept: bool, note: str, actor: User | None, today: date | None = None) -> Finding:
    """The district office verifies a rectification: accepted, or sent back to the unit with the reason."""
    if not accept and not note.strip():
        raise BadInput(REJECT_NOTE_REQUIRED, fields={"note": [REJECT_NOTE_REQUIRED]})
    user = actor if getattr(actor, "is_authenticated", False) else None
    changes: dict[str, Any] = {"verification_note": note.strip()}
    if accept:
        changes |= {"verified_on": today or timezone.localdate(), "verified_by": user}
    else:
        changes |= {"rectified_on": None, "rectified_by": None}
    return transition_apply(finding, FindingStep.Action.ACCEPT if accept else FindingStep.Action.REJECT,
                            actor=actor, note=note.strip(), changes=changes).obj


@transaction.atomic
def accountability_record(*, unit: Unit, kind: str, year: int, reason: str, actor: User | None,
                          finding: Finding | None = None, automatic: bool = False) -> Accountability:
    _ensure_manage(actor)
    if not reason.strip():
        raise BadInput(REASON_REQUIRED, fields={"reason": [REASON_REQUIRED]})
    user = actor if getattr(actor, "is_authenticated", False) else None
    record = Accountability.objects.create(unit=unit, kind=kind, year=year, reason=reason.strip()[:300],
                                           finding=finding, recorded_by=user, automatic=automatic)
    audit_record(actor=actor, action=Action.CREATE, obj=record,
                 changes={"unit": unit.code, "kind": kind, "year": year, "finding": getattr(finding, "pk", None)})
    return record


# --- Responsibility agreements, meetings and their decisions, satisfaction surveys ---------------------------

AGREEMENT_EXISTS = "{unit}已签订 {year} 年责任书 / {unit} has signed its {year} agreement already"
GROUP_NOT_A_PARTY = "单位组不签订责任书，请为其成员单位分别签订 / a group signs no agreement: its members do"
TITLE_REQUIRED = "须填写名称 / a title is required"
DECISION_FIELDS = "每项会议决定须有事项、牵头单位和完成时限 / each decision needs a task, a lead unit and a deadline"
SURVEY_COUNTS = ("满意人数不能多于有效样本数，样本数须大于 0 / the satisfied count cannot exceed the respondents, "
                 "and there must be respondents")


def agreement_targets(plan: Plan, year: int, unit: Unit) -> str:
    """The agreement's text: the unit's exit target of the year (a township) and the tasks it leads due that year."""
    lines = []
    if unit.kind == Unit.Kind.TOWNSHIP:
        target = Target.objects.filter(area=unit.area, year=year).first()
        if target is not None:
            people = "剩余贫困人口全部脱贫" if target.people is None else f"{target.people} 人以上脱贫"
            lines.append(f"{year} 年脱贫目标：{people}" + (f"，{target.villages} 个贫困村退出" if target.villages else ""))
    for task in (Task.objects.filter(plan=plan, lead=unit, deadline__year=year).exclude(status=Task.Status.RETIRED)
                 .order_by("deadline", "code")):
        lines.append(f"{task.title}（{task.deadline:%Y-%m-%d} 前完成）")
    return "\n".join(lines)


@transaction.atomic
def agreement_sign(*, plan: Plan, year: int, unit: Unit, signed_on: date, actor: User | None, targets: str = "") -> Agreement:
    _ensure_manage(actor)
    if unit.kind == Unit.Kind.GROUP:
        raise BadInput(GROUP_NOT_A_PARTY, code="GROUP_NOT_A_PARTY")
    if year not in plan.years:
        raise BadInput(YEAR_OUTSIDE.format(year=year, start=plan.starts_year, end=plan.ends_year))
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    if Agreement.objects.filter(plan=plan, year=year, unit=unit).exists():
        raise DomainError(AGREEMENT_EXISTS.format(unit=unit.name, year=year), code="AGREEMENT_EXISTS")
    user = actor if getattr(actor, "is_authenticated", False) else None
    agreement = Agreement.objects.create(plan=plan, year=year, unit=unit, signed_on=signed_on, recorded_by=user,
                                         targets=targets.strip() or agreement_targets(plan, year, unit))
    audit_record(actor=actor, action=Action.CREATE, obj=agreement, changes={"year": year, "signed_on": signed_on})
    return agreement


@dataclass(frozen=True)
class DecisionInput:
    title: str
    lead: Unit
    deadline: date


@transaction.atomic
def meeting_record(*, plan: Plan, kind: str, held_on: date, title: str, actor: User | None, minutes: str = "",
                   decisions: Sequence[DecisionInput] = ()) -> Meeting:
    """Record a meeting; each decision becomes a task of the plan for its lead unit."""
    _ensure_manage(actor)
    if not title.strip():
        raise BadInput(TITLE_REQUIRED, fields={"title": [TITLE_REQUIRED]})
    for decision in decisions:
        if not decision.title.strip() or decision.lead is None or decision.deadline is None:
            raise BadInput(DECISION_FIELDS, code="DECISION_FIELDS")
        if decision.lead.kind == Unit.Kind.GROUP:
            raise BadInput(GROUP_NOT_A_PARTY, code="GROUP_NOT_A_PARTY")
    user = actor if getattr(actor, "is_authenticated", False) else None
    meeting = Meeting.objects.create(plan=plan, kind=kind, held_on=held_on, title=title.strip(), minutes=minutes.strip(),
                                     recorded_by=user)
    Task.objects.bulk_create(
        Task(plan=plan, code=f"M{meeting.pk}-{i}", title=d.title.strip(), deadline=d.deadline, lead=d.lead,
             source=Task.Source.MEETING, meeting=meeting)
        for i, d in enumerate(decisions, start=1))
    audit_record(actor=actor, action=Action.CREATE, obj=meeting,
                 changes={"kind": kind, "held_on": held_on, "decisions": len(decisions)})
    return meeting


@transaction.atomic
def survey_record(*, plan: Plan, year: int, unit: Unit, respondents: int, satisfied: int, held_on: date, actor: User | None,
                  method: str = "入户问卷", note: str = "") -> Survey:
    _ensure_manage(actor)
    if unit.kind == Unit.Kind.GROUP:
        raise BadInput(GROUP_NOT_A_PARTY, code="GROUP_NOT_A_PARTY")
    if respondents <= 0 or not 0 <= satisfied <= respondents:
        raise BadInput(SURVEY_COUNTS, fields={"satisfied": [SURVEY_COUNTS]})
    user = actor if getattr(actor, "is_authenticated", False) else None
    survey = Survey.objects.create(plan=plan, year=year, unit=unit, respondents=respondents, satisfied=satisfied,
                                   held_on=held_on, method=method.strip() or "入户问卷", note=note.strip(),
                                   recorded_by=user)
    audit_record(actor=actor, action=Action.CREATE, obj=survey,
                 changes={"year": year, "respondents": respondents, "satisfied": satisfied})
    return survey
