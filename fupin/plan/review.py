"""The yearly assessment (年度考核) of townships and departments.

Indicators are data (per plan and kind of unit, with weights). Computed ones are scored from the platform's
own records, each by one function over all units at once; entered ones (satisfaction surveys, third-party
checks) are typed in with their evidence. Finalising fixes totals, grades (by the year's cut-offs), ranks
and the seed's consequences: a unit that is 差 or did not complete its year's poverty-alleviation tasks is
summoned for a talk (约谈) and its head may not be promoted; the second year in a row, 组织处理. 好 with the
tasks completed earns a commendation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from fupin.accounts.access import can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.assessment.villages import target_progress
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, DomainError
from fupin.core.output import write_table
from fupin.plan.models import (
    Accountability,
    Finding,
    Grade,
    Indicator,
    Plan,
    ProgressReport,
    Result,
    Review,
    Score,
    Survey,
    Task,
    Unit,
)
from fupin.plan.selectors import report_periods, responsible_unit_ids
from fupin.plan.sources import fund_spending, hotline_on_time, hotline_satisfaction, measure_coverage
from fupin.registry.models import Household
from fupin.workflow.models import HouseholdTransition

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
REVIEW_EXISTS = "{year} 年考核已建立 / the {year} review exists already"
YEAR_OUTSIDE = "{year} 年不在规划期内 / {year} is outside the plan's years"
NOT_DRAFT = "考核已定等次，不能再修改 / the review is final and cannot change"
NOT_MANUAL = "“{name}”由平台数据计算，不能手工录入 / “{name}” is computed from the platform's data"
SCORE_RANGE = "得分须在 0 到 100 之间 / a score is between 0 and 100"
BASIS_REQUIRED = "手工录入的得分须注明依据（调查、评估报告） / an entered score needs its evidence"
MISSING_SCORES = ("以下单位的手工指标尚未录入：{missing} / scores still to be entered: {missing}")
CUTOFFS_ORDER = "等次分数线须依次降低：好 > 较好 > 一般 / cut-offs must fall: good > fairly good > average"

Computed = dict[int, tuple[Decimal | None, str]]


def _pct(part: int, whole: int) -> Decimal:
    return (HUNDRED * part / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def _reports_on_time(review: Review, units: list[Unit]) -> Computed:
    periods = [(y, p, due) for y, p, due in report_periods(review.plan) if y == review.year]
    on_time: dict[int, int] = {}
    for report in ProgressReport.objects.filter(plan=review.plan, year=review.year, unit__in=units):
        on_time[report.unit_id] = on_time.get(report.unit_id, 0) + (not report.is_late)
    return {u.pk: (_pct(on_time.get(u.pk, 0), len(periods)), f"按时报送 {on_time.get(u.pk, 0)}/{len(periods)}")
            for u in units}


def _rectification_on_time(review: Review, units: list[Unit]) -> Computed:
    rows = (Finding.objects.filter(inspection__plan=review.plan, deadline__year=review.year, unit__in=units)
            .values("unit_id").annotate(total=Count("pk"), on_time=Count(
                "pk", filter=Q(rectified_on__isnull=False) & Q(rectified_on__lte=F("deadline")))))
    found = {r["unit_id"]: (r["on_time"], r["total"]) for r in rows}
    return {u.pk: (_pct(*found[u.pk]), f"按期整改 {found[u.pk][0]}/{found[u.pk][1]}") if u.pk in found
            else (None, "当年无督查问题") for u in units}


def _tasks_on_time(review: Review, units: list[Unit]) -> Computed:
    rows = (Task.objects.filter(plan=review.plan, deadline__year=review.year, lead__in=units)
            .exclude(status=Task.Status.RETIRED).values("lead_id").annotate(total=Count("pk"), on_time=Count(
                "pk", filter=Q(status=Task.Status.DONE) & Q(done_on__lte=F("deadline")))))
    found = {r["lead_id"]: (r["on_time"], r["total"]) for r in rows}
    return {u.pk: (_pct(*found[u.pk]), f"按期完成 {found[u.pk][0]}/{found[u.pk][1]}") if u.pk in found
            else (None, "当年无牵头任务") for u in units}


def _exits_vs_target(review: Review, units: list[Unit]) -> Computed:
    areas = {u.area_id: u for u in units}
    out: Computed = {u.pk: (None, "无年度目标") for u in units}
    for progress in target_progress(review.year, Area.objects.filter(pk__in=areas)):
        unit = areas[progress.area.pk]
        if progress.target_people:
            score = min(HUNDRED, _pct(progress.exited_people, progress.target_people))
            out[unit.pk] = (score, f"脱贫 {progress.exited_people} 人 / 目标 {progress.target_people} 人")
    return out


def _returned_after_exit(review: Review, units: list[Unit]) -> Computed:
    out: Computed = {}
    for unit in units:
        base = Household.objects.filter(village__path__startswith=unit.area.path, exit_year__lte=review.year,
                                        status__in=(Household.Status.EXITED, Household.Status.RETURNED)).count()
        returned = HouseholdTransition.objects.filter(
            household__village__path__startswith=unit.area.path, action=HouseholdTransition.Action.RETURN,
            at__year=review.year).count()
        out[unit.pk] = ((HUNDRED - _pct(returned, base)).max(Decimal(0)), f"返贫 {returned} 户 / 已脱贫 {base} 户") \
            if base else (None, "无已脱贫户")
    return out


def _satisfaction(review: Review, units: list[Unit]) -> Computed:
    rows = (Survey.objects.filter(plan=review.plan, year=review.year, unit__in=units).values("unit_id")
            .annotate(n=Count("pk"), asked=Sum("respondents"), happy=Sum("satisfied")))
    found = {r["unit_id"]: r for r in rows}
    return {u.pk: (_pct(found[u.pk]["happy"], found[u.pk]["asked"]),
                   f"满意 {found[u.pk]['happy']}/{found[u.pk]['asked']}（{found[u.pk]['n']} 次调查）")
            if u.pk in found else (None, "当年无满意度调查") for u in units}


COMPUTERS: dict[str, Callable[[Review, list[Unit]], Computed]] = {
    "satisfaction": _satisfaction,
    "reports_on_time": _reports_on_time,
    "rectification_on_time": _rectification_on_time,
    "tasks_on_time": _tasks_on_time,
    "exits_vs_target": _exits_vs_target,
    "returned_after_exit": _returned_after_exit,
    # From the other modules (fupin/plan/sources.py): help measures, project funds, the hotline.
    "measure_coverage": measure_coverage,
    "fund_spending": fund_spending,
    "hotline_on_time": hotline_on_time,
    "hotline_satisfaction": hotline_satisfaction,
}


def reviewed_units(plan: Plan) -> list[Unit]:
    """The townships and departments the plan holds responsible (groups expanded), by kind and code."""
    return list(Unit.objects.filter(pk__in=responsible_unit_ids(plan), kind__in=(Unit.Kind.TOWNSHIP,
                                                                                 Unit.Kind.DEPARTMENT))
                .select_related("area", "department").order_by("kind", "code"))


def _ensure_manage(actor: User | None) -> None:
    if actor is not None and not can(actor, Cap.PLAN_MANAGE):
        raise PermissionDenied(Cap.PLAN_MANAGE)


def _ensure_draft(review: Review) -> None:
    if review.status != Review.Status.DRAFT:
        raise DomainError(NOT_DRAFT, code="REVIEW_FINAL")


@transaction.atomic
def review_create(plan: Plan, year: int, *, actor: User | None, good_min: Decimal = Decimal(90),
                  fairly_good_min: Decimal = Decimal(80), average_min: Decimal = Decimal(60)) -> Review:
    _ensure_manage(actor)
    if year not in plan.years:
        raise BadInput(YEAR_OUTSIDE.format(year=year), fields={"year": [YEAR_OUTSIDE.format(year=year)]})
    if not good_min > fairly_good_min > average_min:
        raise BadInput(CUTOFFS_ORDER, code="CUTOFFS_ORDER")
    if Review.objects.filter(plan=plan, year=year).exists():
        raise DomainError(REVIEW_EXISTS.format(year=year), code="REVIEW_EXISTS")
    review = Review.objects.create(plan=plan, year=year, good_min=good_min, fairly_good_min=fairly_good_min,
                                   average_min=average_min)
    audit_record(actor=actor, action=Action.CREATE, obj=review,
                 changes={"year": year, "cutoffs": [good_min, fairly_good_min, average_min]})
    return review


@transaction.atomic
def review_compute(review: Review, *, actor: User | None) -> int:
    """(Re)score every computed indicator for every unit; returns the number of scores written."""
    _ensure_manage(actor)
    review = Review.objects.select_for_update().get(pk=review.pk)
    _ensure_draft(review)
    units = reviewed_units(review.plan)
    indicators = Indicator.objects.filter(plan=review.plan, computed=True)
    Score.objects.filter(review=review, indicator__in=indicators).delete()
    rows = []
    for indicator in indicators:
        of_kind = [u for u in units if u.kind == indicator.unit_kind]
        computer = COMPUTERS.get(indicator.code)
        if computer is None or not of_kind:
            continue
        for unit_id, (score, basis) in computer(review, of_kind).items():
            rows.append(Score(review=review, unit_id=unit_id, indicator=indicator, score=score, basis=basis))
    Score.objects.bulk_create(rows)
    audit_record(actor=actor, action=Action.UPDATE, obj=review, changes={"computed_scores": len(rows)})
    return len(rows)


@transaction.atomic
def score_enter(review: Review, *, unit: Unit, indicator: Indicator, score: Decimal, basis: str, actor: User | None) -> Score:
    _ensure_manage(actor)
    _ensure_draft(Review.objects.select_for_update().get(pk=review.pk))
    if indicator.computed:
        raise BadInput(NOT_MANUAL.format(name=indicator.name), code="NOT_MANUAL")
    if not Decimal(0) <= score <= HUNDRED:
        raise BadInput(SCORE_RANGE, fields={"score": [SCORE_RANGE]})
    if not basis.strip():
        raise BadInput(BASIS_REQUIRED, fields={"basis": [BASIS_REQUIRED]})
    user = actor if getattr(actor, "is_authenticated", False) else None
    row, _ = Score.objects.update_or_create(review=review, unit=unit, indicator=indicator, defaults={
        "score": score, "basis": basis.strip()[:300], "entered_by": user, "entered_at": timezone.now()})
    audit_record(actor=actor, action=Action.UPDATE, obj=row, changes={"score": score, "basis": row.basis})
    return row


def total_of(scores: list[Score]) -> Decimal:
    """Weighted mean of the scores that apply (an indicator without a score this year does not count)."""
    counted = [(s.indicator.weight, s.score) for s in scores if s.score is not None]
    weights = sum((w for w, _ in counted), Decimal(0))
    if not weights:
        return Decimal(0)
    return (sum((w * v for w, v in counted), Decimal(0)) / weights).quantize(CENT, rounding=ROUND_HALF_UP)


def task_completed(review: Review, unit: Unit, scores: dict[str, Score]) -> bool:
    """完成年度脱贫任务: a township met its exit target; a department finished every task it led that fell due."""
    if unit.kind == Unit.Kind.TOWNSHIP:
        exits = scores.get("exits_vs_target")
        return exits is None or exits.score is None or exits.score >= HUNDRED
    due = Task.objects.filter(plan=review.plan, lead=unit, deadline__year=review.year).exclude(
        status=Task.Status.RETIRED)
    return not due.exclude(status=Task.Status.DONE, done_on__lte=date(review.year, 12, 31)).exists()


@dataclass(frozen=True)
class Consequence:
    kind: str
    reason: str


def consequences(result: Result, previous: Result | None) -> list[Consequence]:
    """The seed's rules (三（八）): 差 or the tasks not completed → 约谈 and no promotion of the head; the second
    year in a row → 组织处理; 好 with the tasks completed → commendation."""
    why = "考核等次为“差”" if result.grade == Grade.POOR else "未完成年度脱贫任务"
    if result.failed and previous is not None and previous.failed:
        return [Consequence(Accountability.Kind.ORGANISATIONAL, f"连续两年{why}（{previous.review.year}、"
                                                                 f"{result.review.year}）")]
    if result.failed:
        return [Consequence(Accountability.Kind.TALK, why), Consequence(Accountability.Kind.NO_PROMOTION, why)]
    if result.grade == Grade.GOOD:
        return [Consequence(Accountability.Kind.COMMENDATION, "完成年度脱贫任务且考核等次为“好”")]
    return []


@transaction.atomic
def review_finalise(review: Review, *, actor: User | None) -> list[Result]:
    """Compute, check every entered score is there, fix totals, grades, ranks and consequences."""
    review_compute(review, actor=actor)
    review = Review.objects.select_for_update().get(pk=review.pk)
    units = reviewed_units(review.plan)
    manual = list(Indicator.objects.filter(plan=review.plan, computed=False))
    scores = list(Score.objects.filter(review=review).select_related("indicator"))
    by_unit: dict[int, dict[str, Score]] = {}
    for s in scores:
        by_unit.setdefault(s.unit_id, {})[s.indicator.code] = s
    missing = [f"{u.name}·{i.name}" for u in units for i in manual
               if i.unit_kind == u.kind and i.code not in by_unit.get(u.pk, {})]
    if missing:
        shown = "、".join(missing[:8]) + ("…" if len(missing) > 8 else "")
        raise DomainError(MISSING_SCORES.format(missing=shown), code="SCORES_MISSING")
    previous = {r.unit_id: r for r in Result.objects.filter(review__plan=review.plan, review__year=review.year - 1,
                                                            review__status=Review.Status.FINAL).select_related("review")}
    results: list[Result] = []
    for kind in (Unit.Kind.TOWNSHIP, Unit.Kind.DEPARTMENT):
        of_kind = [u for u in units if u.kind == kind]
        totals = [(total_of(list(by_unit.get(u.pk, {}).values())), u) for u in of_kind]
        totals.sort(key=lambda t: (-t[0], t[1].code))
        rank, last = 0, None
        for i, (total, unit) in enumerate(totals, start=1):
            rank = rank if total == last else i  # ties share a rank
            last = total
            results.append(Result(review=review, unit=unit, total=total, grade=review.grade_of(total), rank=rank,
                                  task_completed=task_completed(review, unit, by_unit.get(unit.pk, {}))))
    Result.objects.bulk_create(results)
    for result in results:
        for c in consequences(result, previous.get(result.unit_id)):
            Accountability.objects.create(unit=result.unit, kind=c.kind, year=review.year, reason=c.reason,
                                          automatic=True,
                                          recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
    review.status, review.finalised_at = Review.Status.FINAL, timezone.now()
    review.save(update_fields=["status", "finalised_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=review, changes={
        "status": ["draft", "final"], "grades": {r.unit.code: r.grade for r in results}})
    return results


RESULT_HEADER = ["名次", "单位", "类别", "总分", "等次", "完成年度脱贫任务", "考核结果运用"]


def review_export(review: Review, path: Path) -> int:
    """The review's results as the county's table (xlsx or CSV by extension)."""
    records: dict[int, list[str]] = {}
    for a in Accountability.objects.filter(year=review.year, automatic=True):
        records.setdefault(a.unit_id, []).append(str(a.get_kind_display()))
    results = sorted(review.results.select_related("unit"), key=lambda r: (r.unit.kind != Unit.Kind.TOWNSHIP, r.rank))
    rows = [(r.rank, r.unit.name, r.unit.get_kind_display(), r.total, r.get_grade_display(),
             "是" if r.task_completed else "否", "、".join(records.get(r.unit_id, []))) for r in results]
    return write_table(path, RESULT_HEADER, rows, sheet=f"{review.year}年度考核")
