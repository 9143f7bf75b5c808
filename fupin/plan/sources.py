"""Review indicators computed from the other modules' records (issue 8, item 5):

- ``measure_coverage`` (townships): of the registered households in the township, the share with a help measure
  in the review year and the share with a current helper (:func:`fupin.measures.coverage.coverage`);
  score = 100 × (households with a measure + households with a helper) ÷ (2 × registered households).
- ``fund_spending`` (townships and departments): of the review year's projects (计划年度, not withdrawn) located
  in the township, or whose responsible unit is the department, the money spent (paid to a contractor or a
  beneficiary; a transfer is not spent) against the money allocated (资金下达), both dated by the year's end;
  score = 100 × spent ÷ allocated, at most 100.
- ``hotline_on_time`` and ``hotline_satisfaction`` (townships and departments): the hotline tickets the unit
  handled that were received in the year (:func:`fupin.hotline.selectors.hotline_unit_figures`; a ticket handled
  by a village counts for its township); score = 100 × answered on time ÷ received, and 100 × satisfied (or
  basically satisfied) ÷ rated at the call-back.

Each is one function over all units of a kind at once, with a fixed number of queries, returning
``{unit id: (score, basis)}``. The basis states the figures and the formula; a unit without figures gets no
score and says why, so the indicator leaves its total (weights renormalised, :func:`fupin.plan.review.total_of`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from fupin.areas.models import Area
from fupin.core.errors import DomainError
from fupin.hotline.selectors import hotline_unit_figures
from fupin.measures.coverage import coverage
from fupin.plan.models import Review, Unit
from fupin.projects.models import Project, ProjectStep
from fupin.registry.models import Household

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

Computed = dict[int, tuple[Decimal | None, str]]

TOWNSHIPS_ONLY = "只考核乡镇"
NO_HOUSEHOLDS = "辖区内无在册建档立卡户"
NOT_COMPUTED = "无法计算："
NO_FUNDS = "当年无下达资金的项目"
NO_TICKETS = "当年无承办的热线诉求"
NO_RATINGS = "当年承办的热线诉求无回访评价"


def share_score(part: Decimal | int, whole: Decimal | int) -> Decimal:
    """100 × part ÷ whole, to the cent, at most 100 (``whole`` > 0)."""
    return min(HUNDRED, (HUNDRED * Decimal(part) / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP))


def township_of(path: str, townships: dict[int, Unit]) -> Unit | None:
    """The township unit whose area lies on ``path`` (an area's materialised path), if any."""
    for part in path.strip("/").split("/"):
        if part.isdigit() and int(part) in townships:
            return townships[int(part)]
    return None


def _townships(units: Iterable[Unit]) -> dict[int, Unit]:
    return {u.area_id: u for u in units if u.kind == Unit.Kind.TOWNSHIP}


def measure_coverage(review: Review, units: list[Unit]) -> Computed:
    townships = _townships(units)
    out: Computed = {u.pk: (None, TOWNSHIPS_ONLY) for u in units if u.kind != Unit.Kind.TOWNSHIP}
    if not townships:
        return out
    under = Q(pk__in=[])
    for unit in townships.values():
        under |= Q(village__path__startswith=unit.area.path)
    try:
        result = coverage(Household.objects.filter(under), review.year)
    except DomainError as exc:  # e.g. no policy parameters for the year: the reason, not a crash
        reason = f"{NOT_COMPUTED}{exc.message}"[:300]
        return out | {u.pk: (None, reason) for u in townships.values()}
    paths = dict(Area.objects.filter(pk__in=[v.village_id for v in result.villages]).values_list("pk", "path"))
    sums: dict[int, list[int]] = {u.pk: [0, 0, 0] for u in townships.values()}
    for village in result.villages:
        found = township_of(paths.get(village.village_id, ""), townships)
        if found is not None:
            row = sums[found.pk]
            row[0] += village.households
            row[1] += village.with_measure
            row[2] += village.with_helper
    for unit in townships.values():
        households, with_measure, with_helper = sums[unit.pk]
        out[unit.pk] = (share_score(with_measure + with_helper, 2 * households),
                        f"在册 {households} 户：有帮扶措施 {with_measure} 户，有帮扶责任人 {with_helper} 户；"
                        f"得分 = 100 × (有措施户 + 有责任人户) ÷ (2 × 在册户)") if households else (None, NO_HOUSEHOLDS)
    return out


def _money(rows: Iterable[dict[str, Any]], key: Any) -> dict[int, list[Any]]:
    sums: dict[int, list[Any]] = {}
    for row in rows:
        unit_id = key(row)
        if unit_id is None:
            continue
        total = sums.setdefault(unit_id, [ZERO, ZERO, 0])
        total[0] += row["allocated"] or ZERO
        total[1] += row["spent"] or ZERO
        total[2] += row["projects"]
    return sums


def fund_spending(review: Review, units: list[Unit]) -> Computed:
    steps = (ProjectStep.objects.filter(project__year=review.year, on__lte=date(review.year, 12, 31))
             .exclude(project__status=Project.Status.WITHDRAWN))
    measures = {
        "allocated": Sum("amount", filter=Q(action=ProjectStep.Action.ALLOCATE)),
        "spent": Sum("amount", filter=Q(action=ProjectStep.Action.PAY,
                                        payee__in=[ProjectStep.Payee.CONTRACTOR, ProjectStep.Payee.BENEFICIARY])),
        "projects": Count("project", distinct=True, filter=Q(action=ProjectStep.Action.ALLOCATE)),
    }
    departments = {u.department_id: u for u in units if u.department_id is not None}
    townships = _townships(units)
    sums: dict[int, list[Any]] = {}
    if departments:
        by_department: Any = (steps.filter(project__department_id__in=departments).values("project__department_id")
                              .annotate(**measures).order_by("project__department_id"))
        sums |= _money(by_department, lambda r: departments[r["project__department_id"]].pk)
    if townships:
        by_place: Any = steps.values("project__area__path").annotate(**measures).order_by("project__area__path")
        sums |= _money(by_place, lambda r: getattr(township_of(r["project__area__path"], townships), "pk", None))
    out: Computed = {}
    for unit in units:
        allocated, spent, projects = sums.get(unit.pk, (ZERO, ZERO, 0))
        out[unit.pk] = (share_score(spent, allocated),
                        f"支出 {spent:,.2f} 元 / 下达 {allocated:,.2f} 元（{projects} 个项目）；"
                        f"得分 = 100 × 支出 ÷ 下达，最高 100") if allocated > 0 else (None, NO_FUNDS)
    return out


def _hotline(review: Review, units: list[Unit]) -> dict[int, list[int]]:
    """Unit id -> [received, answered on time, rated, satisfied] for the tickets the unit handled."""
    figures = hotline_unit_figures(review.year)
    departments = {u.department.code: u for u in units if u.department is not None}
    townships = _townships(units)
    paths = dict(Area.objects.filter(code__in=[f.key for f in figures]).order_by("code", "pk")
                 .values_list("code", "path"))
    sums: dict[int, list[int]] = {}
    for f in figures:
        unit = departments.get(f.key) or township_of(paths.get(f.key, ""), townships)
        if unit is not None:
            total = sums.setdefault(unit.pk, [0, 0, 0, 0])
            for i, value in enumerate((f.received, f.on_time, f.rated, f.satisfied)):
                total[i] += value
    return sums


def hotline_on_time(review: Review, units: list[Unit]) -> Computed:
    sums = _hotline(review, units)
    out: Computed = {}
    for unit in units:
        received, on_time, _, _ = sums.get(unit.pk, [0, 0, 0, 0])
        out[unit.pk] = (share_score(on_time, received),
                        f"按时答复 {on_time}/{received} 件；得分 = 100 × 按时答复 ÷ 受理") if received else (None, NO_TICKETS)
    return out


def hotline_satisfaction(review: Review, units: list[Unit]) -> Computed:
    sums = _hotline(review, units)
    out: Computed = {}
    for unit in units:
        received, _, rated, satisfied = sums.get(unit.pk, [0, 0, 0, 0])
        reason = NO_RATINGS if received else NO_TICKETS
        out[unit.pk] = (share_score(satisfied, rated),
                        f"回访满意（含基本满意）{satisfied}/{rated} 件；得分 = 100 × 满意 ÷ 回访评价") if rated \
            else (None, reason)
    return out
