"""RULES.md §4: every risk and category at its boundaries, through the stored registry and the
same evaluation the county run uses."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fupin.assessment.services import policy_version_create
from fupin.monitoring.services import evaluate
from fupin.monitoring.tests.conftest import YEAR, child, household, income
from fupin.registry.models import Household

pytestmark = pytest.mark.usefixtures("policy")


def risks_of(h: Household, year: int = YEAR, signals: tuple[int, ...] = ()) -> dict[str, Any]:
    df, _record = evaluate(year, Household.objects.filter(pk=h.pk), signals)
    assert df.height == 1, "the household is a monitoring object and must be evaluated"
    row = df.row(0, named=True)
    return {"risks": row["risks"].split(";") if row["risks"] else [], "category": row["category"]}


# --- INCOME_BELOW_LINE: strictly below the monitoring line ----------------------------------------

def test_income_exactly_at_the_monitoring_line_is_no_risk(areas):
    h = household(areas.village_a1)
    income(h, YEAR, "12000.00")  # 2 people: 6,000.00 each = the 2020 line
    assert risks_of(h) == {"risks": [], "category": None}


def test_income_a_cent_below_the_line_is_a_risk(areas):
    h = household(areas.village_a1)
    income(h, YEAR, "11999.98")  # 5,999.99 each
    assert risks_of(h)["risks"] == ["INCOME_BELOW_LINE"]


def test_per_capita_is_rounded_half_up_before_the_comparison(areas):
    h = household(areas.village_a1, members=3)
    income(h, YEAR, "17999.99")  # 5,999.996… → 6,000.00: not below
    assert risks_of(h)["risks"] == []
    income(h, YEAR, "17999.98")  # 5,999.993… → 5,999.99: below
    assert risks_of(h)["risks"] == ["INCOME_BELOW_LINE"]


def test_the_monitoring_line_is_a_policy_parameter(areas):
    h = household(areas.village_a1)
    income(h, YEAR, "12000.00")
    policy_version_create(year=YEAR, values={"monitoring_line": "6000.01"}, reason="测试", actor=None, publish=True)
    assert risks_of(h)["risks"] == ["INCOME_BELOW_LINE"]


def test_no_income_record_of_the_year_raises_no_income_risk(areas):
    h = household(areas.village_a1)  # only a 2018 record
    assert risks_of(h)["risks"] == []


# --- INCOME_DROP: Y < (1 − ratio) × Y−1, strict, both years recorded ------------------------------

def test_exactly_half_of_last_year_is_no_drop(areas):
    h = household(areas.village_a1)
    income(h, YEAR - 1, "40000.00")  # 20,000 each
    income(h, YEAR, "20000.00")  # 10,000 each: exactly half
    assert risks_of(h)["risks"] == []


def test_a_cent_less_than_half_is_a_drop(areas):
    h = household(areas.village_a1)
    income(h, YEAR - 1, "40000.00")
    income(h, YEAR, "19999.98")  # 9,999.99 each
    assert risks_of(h)["risks"] == ["INCOME_DROP"]


def test_no_drop_without_last_year(areas):
    h = household(areas.village_a1)
    income(h, YEAR, "12000.00")
    assert risks_of(h)["risks"] == []


def test_the_drop_ratio_is_a_policy_parameter(areas):
    h = household(areas.village_a1)
    income(h, YEAR - 1, "40000.00")
    income(h, YEAR, "30000.00")  # a 25 % fall
    assert risks_of(h)["risks"] == []
    policy_version_create(year=YEAR, values={"income_drop_ratio": "0.2"}, reason="测试", actor=None, publish=True)
    assert risks_of(h)["risks"] == ["INCOME_DROP"]


# --- RIGID_EXPENSE: medical + education + disaster of Y > net income of Y−1 (of Y without Y−1) ----

def test_rigid_expense_equal_to_last_year_income_is_no_risk(areas):
    h = household(areas.village_a1)
    income(h, YEAR - 1, "20000.00")
    income(h, YEAR, "20000.00", medical="15000.00", education="3000.00", disaster="2000.00")
    assert risks_of(h)["risks"] == []


def test_rigid_expense_above_last_year_income_is_a_risk(areas):
    h = household(areas.village_a1)
    income(h, YEAR - 1, "20000.00")
    income(h, YEAR, "30000.00", medical="15000.00", education="3000.00", disaster="2000.01")
    assert risks_of(h)["risks"] == ["RIGID_EXPENSE"]


def test_rigid_expense_uses_this_year_income_when_last_year_is_missing(areas):
    h = household(areas.village_a1)
    income(h, YEAR, "20000.00", medical="20000.00")
    assert risks_of(h)["risks"] == []
    income(h, YEAR, "20000.00", medical="20000.01")
    assert risks_of(h)["risks"] == ["RIGID_EXPENSE"]


def test_blank_spending_fields_count_as_nothing(areas):
    h = household(areas.village_a1)
    income(h, YEAR - 1, "20000.00")
    income(h, YEAR, "20000.00", disaster="20000.01")  # medical and education blank
    assert risks_of(h)["risks"] == ["RIGID_EXPENSE"]


# --- the exit indicators: EDUCATION, MEDICAL, HOUSING, WATER FAIL -----------------------------

def test_a_school_age_child_out_of_school_is_an_education_risk(areas):
    h = household(areas.village_a1)
    child(h, date(2008, 6, 1), "dropped_out")  # 12 on 31 Dec 2020
    assert risks_of(h)["risks"] == ["EDUCATION"]


def test_home_schooling_counts_as_schooling(areas):
    h = household(areas.village_a1)
    child(h, date(2008, 6, 1), "not_in_school", home_schooling=True)  # 送教上门
    assert risks_of(h)["risks"] == []


def test_school_age_bounds_come_from_the_assessment(areas):
    over = household(areas.village_a1)
    child(over, date(2005, 1, 1), "not_in_school")  # 15 on 31 Dec 2020: still school age
    assert risks_of(over)["risks"] == ["EDUCATION"]
    older = household(areas.village_a1)
    child(older, date(2004, 12, 31), "not_in_school")  # 16 on the reference date: no longer
    assert risks_of(older)["risks"] == []
    younger = household(areas.village_a1)
    child(younger, date(2015, 1, 1), "not_in_school")  # 5 on the reference date: not yet
    assert risks_of(younger)["risks"] == []


def test_a_member_without_medical_insurance_is_a_medical_risk(areas):
    h = household(areas.village_a1)
    h.members.filter(relation="son").update(medical_insurance=False)
    assert risks_of(h)["risks"] == ["MEDICAL"]


def test_unsafe_housing_is_a_housing_risk_unless_renovated_or_relocated(areas):
    h = household(areas.village_a1, housing_grade="D", housing_renovated=False)
    assert risks_of(h)["risks"] == ["HOUSING"]
    Household.objects.filter(pk=h.pk).update(housing_renovated=True)
    assert risks_of(h)["risks"] == []
    Household.objects.filter(pk=h.pk).update(housing_renovated=False, relocated=True)
    assert risks_of(h)["risks"] == []


def test_unsafe_water_is_a_water_risk_and_blank_is_not(areas):
    h = household(areas.village_a1, safe_water=False)
    assert risks_of(h)["risks"] == ["WATER"]
    Household.objects.filter(pk=h.pk).update(safe_water=None)
    assert risks_of(h)["risks"] == []


# --- DEPT_SIGNAL: households named by open signal findings, an explicit input -----------------

def test_dept_signal_comes_from_the_signal_households_given(areas):
    h = household(areas.village_a1)
    other = household(areas.village_a1)
    assert risks_of(h, signals=(h.pk,))["risks"] == ["DEPT_SIGNAL"]
    assert risks_of(other, signals=(h.pk,))["risks"] == []


def test_risks_are_sorted_codes(areas):
    h = household(areas.village_a1, safe_water=False, status=None)
    income(h, YEAR - 1, "40000.00")
    income(h, YEAR, "2000.00", medical="50000.00")
    assert risks_of(h, signals=(h.pk,))["risks"] == ["DEPT_SIGNAL", "INCOME_BELOW_LINE", "INCOME_DROP",
                                                     "RIGID_EXPENSE", "WATER"]


# --- categories and who is monitored -----------------------------------------------------------

def test_an_exited_household_at_risk_is_unstable_exited(areas):
    h = household(areas.village_a1, status="exited")
    income(h, YEAR, "2000.00")
    assert risks_of(h) == {"risks": ["INCOME_BELOW_LINE"], "category": "UNSTABLE_EXITED"}


def test_a_candidate_below_the_line_is_edge(areas):
    h = household(areas.village_a1, status=None)
    income(h, YEAR, "2000.00", medical="10000.00")
    assert risks_of(h) == {"risks": ["INCOME_BELOW_LINE", "RIGID_EXPENSE"], "category": "EDGE"}


def test_a_candidate_at_risk_above_the_line_is_sudden_hardship(areas):
    h = household(areas.village_a1, status=None)
    income(h, YEAR, "20000.00", disaster="30000.00")
    assert risks_of(h) == {"risks": ["RIGID_EXPENSE"], "category": "SUDDEN_HARDSHIP"}


@pytest.mark.parametrize("status", ["registered", "returned", "exit_proposed", "removed", "applied"])
def test_poor_and_other_households_are_not_monitoring_objects(areas, status):
    h = household(areas.village_a1, status=status)
    income(h, YEAR, "100.00")
    df, _record = evaluate(YEAR, Household.objects.filter(pk=h.pk))
    assert df.is_empty() or h.pk not in df["id"].to_list()
