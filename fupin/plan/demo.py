"""Demo reports for the district's plan: most units report on time, some late, a few not at all."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from fupin.plan.models import PERIOD_END, ProgressReport, ReportLine, Task, Unit
from fupin.plan.selectors import plan_current, report_periods, responsible_unit_ids, unit_tasks

SUMMARIES = ["按计划推进各项任务，进度正常。", "已召开专题会议部署，正在组织实施。", "完成阶段性目标，存在资金到位偏慢问题，已协调解决。",
             "开展入户核查，整改发现的问题。", "与各镇对接，建立工作台账。"]


def seed_demo_plan(*, seed: int = 2018) -> int:
    """Reports for every period of the current plan (none if no plan is loaded); returns how many."""
    plan = plan_current()
    if plan is None or ProgressReport.objects.filter(plan=plan, is_demo=True).exists():
        return 0
    rng = random.Random(seed + 8)
    units = list(Unit.objects.filter(pk__in=responsible_unit_ids(plan)).exclude(kind=Unit.Kind.GROUP).order_by("code"))
    silent = {u.pk for u in rng.sample(units, k=min(3, len(units)))}  # stop reporting in the last year
    today = timezone.localdate()
    reports = []
    for unit in units:
        for year, period, due in report_periods(plan):
            if date_end(year, period) > today or (unit.pk in silent and year == plan.ends_year):
                continue
            late = rng.random() < 0.1
            day = due + timedelta(days=rng.randint(1, 20)) if late else due - timedelta(days=rng.randint(0, 9))
            reports.append(ProgressReport(plan=plan, unit=unit, year=year, period=period, summary=rng.choice(SUMMARIES),
                                          due_on=due, is_demo=True,
                                          submitted_at=timezone.make_aware(datetime.combine(day, time(10)))))
    ProgressReport.objects.bulk_create(reports)
    lines, done = [], []
    stored = {(r.unit_id, r.year, r.period): r for r in ProgressReport.objects.filter(plan=plan, is_demo=True)}
    for unit in units:
        for task in unit_tasks(plan, unit).filter(lead=unit):
            report = stored.get((unit.pk, task.deadline.year, "Y"))
            if report is None or rng.random() < 0.15:  # left unfinished: overdue
                continue
            lines.append(ReportLine(report=report, task=task, progress="已按期完成。", percent=100, finished=True))
            done.append((task.pk, timezone.localtime(report.submitted_at).date()))
    ReportLine.objects.bulk_create(lines)
    for pk, day in done:
        Task.objects.filter(pk=pk).update(status=Task.Status.DONE, done_on=day)
    return len(reports)


def date_end(year: int, period: str) -> date:
    return date(year, *PERIOD_END[period])
