"""The yearly assessment: indicators computed from planted data, entered scores, totals, grade cut-offs,
ranks, and the seed's consequences (约谈 and no promotion the first year, 组织处理 the second in a row)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
import time_machine

from fupin.assessment.models import Target
from fupin.core.errors import BadInput, DomainError
from fupin.core.testing import make_household
from fupin.plan.models import Accountability, Indicator, ProgressReport, Review, Score, Task
from fupin.plan.review import review_compute, review_create, review_export, review_finalise, score_enter
from fupin.workflow.models import HouseholdTransition


def _report(small_plan, unit, year, period, late=False):
    due = {"Q1": date(year, 4, 10), "Q2": date(year, 7, 10), "Q3": date(year, 10, 10), "Y": date(year + 1, 1, 10)}[period]
    day = due.replace(day=due.day + 1) if late else due
    with time_machine.travel(datetime(day.year, day.month, day.day, 4, tzinfo=UTC), tick=False):
        ProgressReport.objects.create(plan=small_plan.plan, unit=unit, year=year, period=period, summary="进展",
                                      due_on=due)


@pytest.fixture
def planted(small_plan):
    """2018: township a met its target with no return; township b half its target, one return; education
    finished one of its two tasks on time and reported nothing; water had no task due and reported on time."""
    areas = small_plan.personas.areas
    for area in (areas.town_a, areas.town_b):
        Target.objects.create(area=area, year=2018, people=4)
    make_household(areas.village_a1, "A-1", status="exited", exit_year=2018)
    make_household(areas.village_a2, "A-2", status="exited", exit_year=2018)
    make_household(areas.village_b1, "B-1", status="exited", exit_year=2018)
    back = make_household(areas.village_b1, "B-2", status="returned", exit_year=2017)
    HouseholdTransition.objects.create(household=back, action="return", from_state="exited", to_state="returned",
                                       at=datetime(2018, 9, 1, tzinfo=UTC), note="因病返贫")
    for period in ("Q1", "Q2", "Q3", "Y"):
        _report(small_plan, small_plan.town_a, 2018, period)
        _report(small_plan, small_plan.water, 2018, period)
    _report(small_plan, small_plan.town_b, 2018, "Q1")
    _report(small_plan, small_plan.town_b, 2018, "Q2", late=True)
    Task.objects.filter(pk=small_plan.task("控辍保学").pk).update(status="done", done_on=date(2018, 6, 20))
    return small_plan


def _enter(review, small_plan, actor, scores):
    for unit, value in scores.items():
        indicator = Indicator.objects.get(plan=small_plan.plan, unit_kind=unit.kind, code="satisfaction")
        score_enter(review, unit=unit, indicator=indicator, score=Decimal(value), basis="入户问卷 50 份", actor=actor)


def _scores(review):
    return {(s.unit.name, s.indicator.code): s.score for s in Score.objects.filter(review=review).select_related(
        "unit", "indicator")}


def test_indicators_are_computed_from_the_platform_s_records(planted):
    review = review_create(planted.plan, 2018, actor=planted.personas.officer)
    review_compute(review, actor=planted.personas.officer)
    scores = _scores(review)
    assert scores[("孟庙镇", "exits_vs_target")] == 100 and scores[("商桥镇", "exits_vs_target")] == 50
    assert scores[("孟庙镇", "returned_after_exit")] == 100 and scores[("商桥镇", "returned_after_exit")] == 50
    assert scores[("孟庙镇", "reports_on_time")] == 100 and scores[("商桥镇", "reports_on_time")] == 25
    assert scores[("区教体局", "tasks_on_time")] == 50 and scores[("区教体局", "reports_on_time")] == 0
    assert scores[("区水利局", "tasks_on_time")] is None  # nothing due in 2018: does not count
    assert Score.objects.get(review=review, unit=planted.town_b, indicator__code="returned_after_exit").basis == \
        "返贫 1 户 / 已脱贫 2 户"


def test_finalising_grades_ranks_and_applies_the_consequences(planted, tmp_path):
    officer = planted.personas.officer
    review = review_create(planted.plan, 2018, actor=officer)
    _enter(review, planted, officer, {planted.town_a: 95, planted.town_b: 70, planted.education: 80, planted.water: 90})
    results = {r.unit.name: r for r in review_finalise(review, actor=officer)}
    assert {n: (r.total, r.grade, r.rank, r.task_completed) for n, r in results.items()} == {
        "孟庙镇": (Decimal("99.00"), "good", 1, True), "商桥镇": (Decimal("49.00"), "poor", 2, False),
        "区水利局": (Decimal("96.00"), "good", 1, True), "区教体局": (Decimal("41.00"), "poor", 2, False)}
    records = {(a.unit.name, a.kind) for a in Accountability.objects.filter(year=2018, automatic=True)}
    assert records == {("孟庙镇", "commendation"), ("区水利局", "commendation"), ("商桥镇", "talk"),
                       ("商桥镇", "no_promotion"), ("区教体局", "talk"), ("区教体局", "no_promotion")}
    out = tmp_path / "考核.xlsx"
    assert review_export(review, out) == 4
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("名次", "单位", "类别", "总分", "等次") and rows[2][1] == "商桥镇" and rows[2][4] == "差"
    with pytest.raises(DomainError) as excinfo:  # a final review does not change
        _enter(review, planted, officer, {planted.town_a: 10})
    assert excinfo.value.code == "REVIEW_FINAL"


def test_the_second_failing_year_in_a_row_brings_organisational_measures(planted):
    officer = planted.personas.officer
    first = review_create(planted.plan, 2018, actor=officer)
    _enter(first, planted, officer, {planted.town_a: 95, planted.town_b: 70, planted.education: 80, planted.water: 90})
    review_finalise(first, actor=officer)
    second = review_create(planted.plan, 2019, actor=officer)
    _enter(second, planted, officer, {planted.town_a: 100, planted.town_b: 30, planted.education: 100,
                                      planted.water: 100})
    results = {r.unit.name: r for r in review_finalise(second, actor=officer)}
    assert results["商桥镇"].grade == "poor" and results["孟庙镇"].grade == "average"
    kinds = {(a.unit.name, a.kind) for a in Accountability.objects.filter(year=2019, automatic=True)}
    assert ("商桥镇", "organisational") in kinds and ("商桥镇", "talk") not in kinds
    assert not {k for k in kinds if k[0] == "孟庙镇"}


@pytest.mark.parametrize(("total", "grade"), [
    ("100", "good"), ("90.00", "good"), ("89.99", "fairly_good"), ("80", "fairly_good"), ("79.99", "average"),
    ("60", "average"), ("59.99", "poor"), ("0", "poor")])
def test_grade_cut_offs(total, grade):
    assert Review(good_min=90, fairly_good_min=80, average_min=60).grade_of(Decimal(total)) == grade


def test_cut_offs_are_set_per_year(small_plan):
    review = review_create(small_plan.plan, 2019, actor=None, good_min=Decimal(95), fairly_good_min=Decimal(85),
                           average_min=Decimal(70))
    assert review.grade_of(Decimal("94.99")) == "fairly_good" and review.grade_of(Decimal("69.99")) == "poor"
    with pytest.raises(BadInput):
        review_create(small_plan.plan, 2018, actor=None, good_min=Decimal(80), fairly_good_min=Decimal(85))


def test_finalising_needs_every_entered_score_and_refusals_change_nothing(planted):
    officer = planted.personas.officer
    review = review_create(planted.plan, 2018, actor=officer)
    _enter(review, planted, officer, {planted.town_a: 95})
    with pytest.raises(DomainError) as excinfo:
        review_finalise(review, actor=officer)
    assert excinfo.value.code == "SCORES_MISSING" and "商桥镇·群众满意度" in excinfo.value.message
    review.refresh_from_db()
    assert review.status == "draft" and not review.results.exists()
    computed = Indicator.objects.get(plan=planted.plan, unit_kind="township", code="exits_vs_target")
    with pytest.raises(BadInput):
        score_enter(review, unit=planted.town_a, indicator=computed, score=Decimal(100), basis="x", actor=officer)
    with pytest.raises(BadInput):
        _enter(review, planted, officer, {planted.town_b: 101})
    with pytest.raises(DomainError):
        review_create(planted.plan, 2018, actor=officer)
    assert Review.objects.count() == 1
