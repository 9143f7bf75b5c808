"""Review indicators computed from the other modules (issue 8, item 5), each from planted data: help-measure
coverage (measures), fund spending progress (projects), on-time replies and satisfaction (hotline). A unit
without figures gets no score and a basis that says why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.test import Client

from fupin.accounts.models import Department
from fupin.assessment.services import policy_seed_defaults
from fupin.core.testing import make_household
from fupin.hotline.models import Ticket
from fupin.measures.models import Measure, Programme
from fupin.measures.services import programmes_seed
from fupin.plan.models import Indicator, Score
from fupin.plan.review import COMPUTERS, review_compute, review_create
from fupin.plan.seed import DISTRICT_PLAN
from fupin.plan.sources import NO_FUNDS, NO_HOUSEHOLDS, NO_RATINGS, NO_TICKETS, TOWNSHIPS_ONLY
from fupin.projects.models import Project, ProjectStep
from fupin.registry.helper_services import helper_assign

NEW = ("measure_coverage", "fund_spending", "hotline_on_time", "hotline_satisfaction")


@pytest.fixture
def review(small_plan):
    return review_create(small_plan.plan, 2018, actor=None)


def _scores(code: str, review, small_plan) -> dict[str, tuple[Decimal | None, str]]:
    units = [small_plan.town_a, small_plan.town_b, small_plan.education, small_plan.water]
    computed = COMPUTERS[code](review, units)
    assert set(computed) == {u.pk for u in units}  # every unit gets a score or the reason it has none
    return {u.name: computed[u.pk] for u in units}


# --- measure coverage ------------------------------------------------------------------------------------


def _measure(household: Any, starts: date, status: str = "done") -> Measure:
    return Measure.objects.create(household=household, programme=Programme.objects.get(code="ecommerce"),
                                  starts_on=starts, status=status)


def test_coverage_is_the_share_of_households_with_a_measure_and_with_a_helper(small_plan, review):
    policy_seed_defaults()
    programmes_seed()
    a = small_plan.personas.areas
    h1, h2 = make_household(a.village_a1, "C-1"), make_household(a.village_a1, "C-2")
    h3, h4 = make_household(a.village_a1, "C-3"), make_household(a.village_a2, "C-4")
    make_household(a.village_a2, "C-5", status=None)  # not registered: not counted
    _measure(h1, date(2018, 3, 1))
    _measure(h2, date(2018, 9, 1))
    _measure(h3, date(2018, 3, 1), status="cancelled")  # cancelled: not a measure
    _measure(h4, date(2019, 3, 1))  # the next year's
    for household in (h1, h3):
        helper_assign(household, name="王帮扶", actor=None)
    scores = _scores("measure_coverage", review, small_plan)
    assert scores["孟庙镇"] == (Decimal("50.00"), "在册 4 户：有帮扶措施 2 户，有帮扶责任人 2 户；"
                                                 "得分 = 100 × (有措施户 + 有责任人户) ÷ (2 × 在册户)")
    assert scores["商桥镇"] == (None, NO_HOUSEHOLDS)
    assert scores["区教体局"] == (None, TOWNSHIPS_ONLY)


def test_coverage_without_the_year_s_policy_parameters_says_why(small_plan, review):
    make_household(small_plan.personas.areas.village_a1, "C-1")
    scores = _scores("measure_coverage", review, small_plan)
    assert scores["孟庙镇"][0] is None and scores["孟庙镇"][1].startswith("无法计算：2018 年没有已发布的政策参数")


# --- fund spending -----------------------------------------------------------------------------------------


def _project(small_plan, area, department, year: int, status: str = "started") -> Project:
    return Project.objects.create(year=year, name=f"项目-{area.name}-{year}", category="industry", nature="new",
                                  area=area, planned_start=date(year, 3, 1), planned_end=date(year, 11, 30),
                                  department=department, tasks="建设", budget_central=100000, benefit_mechanism="分红",
                                  performance_targets="增收", status=status)


def _step(project: Project, action: str, on: date, amount: int, payee: str = "") -> None:
    ProjectStep.objects.create(project=project, action=action, from_state=project.status, to_state=project.status,
                               on=on, amount=amount, source="central", payee=payee,
                               payee_name="施工单位" if payee else "")


def test_fund_spending_is_money_spent_against_money_allocated_in_the_year(small_plan, review):
    a = small_plan.personas.areas
    education = Department.objects.get(code="education")
    first = _project(small_plan, a.village_a1, education, 2018)
    _step(first, "allocate", date(2018, 3, 1), 100000)
    _step(first, "pay", date(2018, 5, 1), 50000, "contractor")
    _step(first, "pay", date(2018, 6, 1), 10000, "beneficiary")
    _step(first, "pay", date(2018, 7, 1), 20000, "transfer")  # passed on to a township: not spent
    _step(first, "pay", date(2019, 1, 10), 30000, "contractor")  # after the year's end
    over = _project(small_plan, a.village_b1, education, 2018)  # spent beyond what was allocated: capped
    _step(over, "allocate", date(2018, 4, 1), 40000)
    _step(over, "pay", date(2018, 8, 1), 50000, "contractor")
    later = _project(small_plan, a.village_a2, education, 2019)  # the next year's project
    _step(later, "allocate", date(2019, 3, 1), 10000)
    withdrawn = _project(small_plan, a.village_a2, education, 2018, status="withdrawn")
    _step(withdrawn, "allocate", date(2018, 3, 1), 5000)
    scores = _scores("fund_spending", review, small_plan)
    assert scores["孟庙镇"] == (Decimal("60.00"), "支出 60,000.00 元 / 下达 100,000.00 元（1 个项目）；"
                                                 "得分 = 100 × 支出 ÷ 下达，最高 100")
    assert scores["商桥镇"][0] == Decimal("100.00")
    assert scores["区教体局"] == (Decimal("78.57"), "支出 110,000.00 元 / 下达 140,000.00 元（2 个项目）；"
                                                  "得分 = 100 × 支出 ÷ 下达，最高 100")
    assert scores["区水利局"] == (None, NO_FUNDS)


# --- the hotline -----------------------------------------------------------------------------------------------


def _ticket(n: int, area, *, received: date, answered_after: int | None, satisfaction: str = "",
            department: Department | None = None, unit_area=None, category: str = "benefit") -> Ticket:
    at = datetime(received.year, received.month, received.day, 9, tzinfo=UTC)
    answered = at + timedelta(days=answered_after) if answered_after is not None else None
    return Ticket.objects.create(
        tracking_code=f"T-{n}", channel="hotline", category=category, title=f"诉求 {n}", text="反映情况", area=area,
        department=department, unit_area=unit_area, received_at=at, due_at=at + timedelta(days=15),
        status="closed" if answered else "open", answered_at=answered, reply="已答复" if answered else "",
        satisfaction=satisfaction, called_back_at=answered + timedelta(days=1) if answered and satisfaction else None)


def test_the_hotline_scores_replies_on_time_and_satisfaction_per_handling_unit(small_plan, review):
    a = small_plan.personas.areas
    education = Department.objects.get(code="education")
    spring = date(2018, 3, 1)
    _ticket(1, a.village_a1, received=spring, answered_after=5, satisfaction="satisfied", department=education)
    _ticket(2, a.village_a1, received=spring, answered_after=10, satisfaction="basic", department=education)
    _ticket(3, a.village_a2, received=spring, answered_after=20, satisfaction="unsatisfied", department=education)
    _ticket(4, a.village_b1, received=spring, answered_after=3, department=education)
    _ticket(5, a.village_a1, received=spring, answered_after=30, department=education, category="conduct")  # not here
    _ticket(6, a.village_a1, received=date(2019, 2, 1), answered_after=30, department=education)  # the next year
    _ticket(7, a.village_a1, received=spring, answered_after=2, satisfaction="satisfied", unit_area=a.village_a1)
    _ticket(8, a.town_a, received=spring, answered_after=16, unit_area=a.town_a)
    _ticket(9, a.village_b1, received=date(2018, 12, 28), answered_after=None, unit_area=a.town_b)
    on_time = _scores("hotline_on_time", review, small_plan)
    satisfaction = _scores("hotline_satisfaction", review, small_plan)
    assert on_time["区教体局"] == (Decimal("75.00"), "按时答复 3/4 件；得分 = 100 × 按时答复 ÷ 受理")
    assert satisfaction["区教体局"] == (Decimal("66.67"), "回访满意（含基本满意）2/3 件；得分 = 100 × 满意 ÷ 回访评价")
    # A ticket the village handled counts for its township.
    assert on_time["孟庙镇"][0] == Decimal("50.00") and satisfaction["孟庙镇"][0] == Decimal("100.00")
    assert on_time["商桥镇"][0] == Decimal("0.00") and satisfaction["商桥镇"] == (None, NO_RATINGS)
    assert on_time["区水利局"] == (None, NO_TICKETS) and satisfaction["区水利局"] == (None, NO_TICKETS)


# --- through the review ------------------------------------------------------------------------------------------


def test_the_review_scores_the_new_indicators_for_every_unit_and_shows_them(small_plan, review):
    for kind in ("township", "department"):
        for order, code in enumerate(NEW, start=10):
            if kind == "department" and code == "measure_coverage":
                continue
            Indicator.objects.create(plan=small_plan.plan, unit_kind=kind, code=code, name=f"指标-{code}", weight=5,
                                     computed=True, order=order)
    policy_seed_defaults()
    review_compute(review, actor=small_plan.personas.officer)
    rows = {(s.unit.name, s.indicator.code): (s.score, s.basis)
            for s in Score.objects.filter(review=review, indicator__code__in=NEW).select_related("unit", "indicator")}
    assert len(rows) == 2 * 4 + 2 * 3  # every unit, every indicator of its kind: nothing planted, nothing crashes
    assert rows[("孟庙镇", "measure_coverage")] == (None, NO_HOUSEHOLDS)
    assert rows[("区水利局", "fund_spending")] == (None, NO_FUNDS)
    assert rows[("区教体局", "hotline_on_time")] == (None, NO_TICKETS)
    client = Client()
    client.force_login(small_plan.personas.officer)
    page = client.get("/plan/reviews/2018/").content.decode()
    assert "指标-hotline_satisfaction" in page and NO_FUNDS in page


def test_every_computed_indicator_of_the_district_plan_has_its_computation():
    data = yaml.safe_load(DISTRICT_PLAN.read_text(encoding="utf-8"))
    indicators = data["review"]["indicators"]
    computed = {i["code"] for of_kind in indicators.values() for i in of_kind if i.get("computed")}
    assert computed <= set(COMPUTERS) and set(NEW) <= computed
    assert all(sum(i["weight"] for i in of_kind) == 100 for of_kind in indicators.values())
