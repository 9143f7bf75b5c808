"""Demo reports for the district's plan: most units report on time, some late, a few not at all."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from fupin.plan.models import (
    PERIOD_END,
    Accountability,
    Agreement,
    Finding,
    Indicator,
    Inspection,
    Meeting,
    ProgressReport,
    ReportLine,
    Review,
    Score,
    Survey,
    Task,
    Unit,
)
from fupin.plan.review import review_compute, review_create, review_finalise, reviewed_units
from fupin.plan.selectors import plan_current, report_periods, responsible_unit_ids, unit_tasks
from fupin.plan.services import agreement_targets, finding_rectify, finding_verify

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


INSPECTIONS = [
    ("一季度脱贫攻坚督查巡查（暗访）", (2018, 3, 20), [("危房改造对象台账与实际不符", 30), ("帮扶手册填写不完整", 20)]),
    ("二季度脱贫攻坚督查巡查（暗访）", (2018, 6, 12), [("扶贫项目公示牌缺失", 15), ("贫困户政策知晓率偏低", 30)]),
    ("“脱贫成效回头看”专项督查", (2019, 10, 15), [("部分脱贫户收入核算不准确", 30), ("饮水安全问题整改不彻底", 45)]),
]


def seed_demo_inspections(*, seed: int = 2018) -> int:
    """Inspections of the current plan with findings in every state: verified, awaiting verification, overdue
    (one with an accountability record). Returns the number of findings."""
    plan = plan_current()
    if plan is None or Inspection.objects.filter(plan=plan, is_demo=True).exists():
        return 0
    rng = random.Random(seed + 9)
    units = list(Unit.objects.filter(kind=Unit.Kind.TOWNSHIP).order_by("code")) or \
        list(Unit.objects.exclude(kind=Unit.Kind.GROUP).order_by("code"))
    county = Unit.objects.filter(kind=Unit.Kind.GROUP).values_list("area", flat=True).first()
    if not units or county is None:
        return 0
    findings = 0
    for n, (title, (y, m, d), problems) in enumerate(INSPECTIONS):
        held = date(y, m, d)
        inspection = Inspection.objects.create(plan=plan, area_id=county, title=title, held_on=held, is_demo=True,
                                               inspectors="区脱贫攻坚督查组", summary="随机抽查贫困户和项目点。")
        for i, (problem, days) in enumerate(problems):
            unit = units[(n * 2 + i) % len(units)]
            deadline = held + timedelta(days=days)
            finding = Finding.objects.create(inspection=inspection, unit=unit, problem=problem, deadline=deadline)
            findings += 1
            fate = (n * 2 + i) % 3 if n < 2 else 2
            if fate in (0, 1):
                rectified = deadline - timedelta(days=rng.randint(0, 5))
                finding = finding_rectify(finding, rectification="已对照问题清单逐项整改到位。", actor=None,
                                          today=rectified)
                if fate == 0:
                    finding_verify(finding, accept=True, note="现场核验属实。", actor=None,
                                   today=rectified + timedelta(days=3))
            elif n == 2 and i == 1:
                Accountability.objects.create(unit=unit, kind=Accountability.Kind.TALK, year=y, finding=finding,
                                              reason="督查发现问题逾期未整改", decided_on=deadline + timedelta(days=10))
    return findings


def seed_demo_reviews(*, seed: int = 2018) -> int:
    """The yearly assessments of the current plan: every year but the last finalised (entered scores drawn at
    random), the last computed and left open for the office. Returns the number of reviews."""
    plan = plan_current()
    if plan is None or Review.objects.filter(plan=plan).exists():
        return 0
    rng = random.Random(seed + 10)
    units = reviewed_units(plan)
    manual = list(Indicator.objects.filter(plan=plan, computed=False))
    years = [y for y in plan.years if y < timezone.localdate().year]
    Survey.objects.bulk_create(  # one satisfaction survey per unit and year: the review's satisfaction scores
        Survey(plan=plan, year=year, unit=unit, respondents=(n := rng.randint(40, 60)), satisfied=n - rng.randint(0, 12),
               held_on=date(year, 11, rng.randint(1, 28)), method="入户问卷（演示）")
        for year in years for unit in units)
    for year in years:
        review = review_create(plan, year, actor=None)
        if year == years[-1]:
            review_compute(review, actor=None)
            break
        Score.objects.bulk_create(  # entered scores, in bulk: the demo needs no audit entry for each
            Score(review=review, unit=unit, indicator=indicator, score=Decimal(rng.randint(55, 99)),
                  basis="入户满意度问卷（演示）")
            for unit in units for indicator in manual if indicator.unit_kind == unit.kind)
        review_finalise(review, actor=None)
    return len(years)


MEETINGS = [(Meeting.Kind.STANDING, "区委常委会脱贫攻坚专题会议"), (Meeting.Kind.DISPATCH, "区直脱贫攻坚责任单位调度会"),
            (Meeting.Kind.CONSULTATION, "拟退出贫困村季度会商")]


def seed_demo_meetings_and_agreements(*, seed: int = 2018) -> int:
    """Quarterly meetings of the current plan (a few quarters missing one), decisions as tasks, and each year's
    responsibility agreements (a couple of units never signed). Returns the number of meetings."""
    plan = plan_current()
    if plan is None or Meeting.objects.filter(plan=plan, is_demo=True).exists():
        return 0
    rng = random.Random(seed + 11)
    today = timezone.localdate()
    meetings = []
    for year in plan.years:
        for quarter in range(1, 5):
            for kind, title in MEETINGS:
                if rng.random() < 0.08:
                    continue  # not held: the calendar shows it missing
                day = date(year, quarter * 3 - 1, rng.randint(1, 28))
                if day <= today:
                    meetings.append(Meeting(plan=plan, kind=kind, held_on=day, title=f"{year}年第{quarter}季度{title}",
                                            minutes="听取工作汇报，研究部署下一阶段重点工作。", is_demo=True))
    Meeting.objects.bulk_create(meetings)
    units = list(Unit.objects.filter(pk__in=responsible_unit_ids(plan)).exclude(kind=Unit.Kind.GROUP).order_by("code"))
    stored = list(Meeting.objects.filter(plan=plan, is_demo=True, kind=Meeting.Kind.STANDING).order_by("held_on"))
    Task.objects.bulk_create(
        Task(plan=plan, code=f"M{m.pk}-1", title="落实会议部署：开展贫困户信息比对核查", lead=rng.choice(units),
             deadline=m.held_on + timedelta(days=60), source=Task.Source.MEETING, meeting=m,
             status=Task.Status.DONE, done_on=m.held_on + timedelta(days=rng.randint(20, 50)))
        for m in stored[:4] if units)
    unsigned = {u.pk for u in rng.sample(units, k=min(2, len(units)))}
    Agreement.objects.bulk_create(
        Agreement(plan=plan, year=year, unit=unit, signed_on=date(year, 2, rng.randint(10, 28)),
                  targets=agreement_targets(plan, year, unit))
        for year in plan.years if date(year, 3, 1) <= today for unit in units if unit.pk not in unsigned)
    return len(meetings)
