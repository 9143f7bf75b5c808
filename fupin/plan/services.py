"""Writes of the plan: a unit files its progress report for a period; tasks finish through reports."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from fupin.accounts.roles import Cap
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, DomainError
from fupin.plan.models import PERIOD_END, Plan, ProgressReport, ReportAttachment, ReportLine, Task, Unit, period_due
from fupin.plan.selectors import may_report_for, unit_tasks
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
def report_submit(*, plan: Plan, unit: Unit, year: int, period: str, summary: str, actor: Any,
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
        attachment = ReportAttachment(report=report, original_name=item.name, size=len(item.content),
                                      sha256=hashlib.sha256(item.content).hexdigest())
        attachment.file.save(item.name, ContentFile(item.content), save=False)
        attachment.save()
    audit_record(actor=actor, action=Action.CREATE, obj=report, changes={
        "unit": unit.code, "year": year, "period": period, "late": report.is_late, "lines": len(lines),
        "tasks_finished": finished, "attachments": len(evidence)})
    return report


PERIOD_LABELS = [("Q1", "一季度"), ("Q2", "二季度"), ("Q3", "三季度"), ("Y", "全年")]
