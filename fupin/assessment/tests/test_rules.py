"""RULES.md §2, row by row, with the boundaries: the rules evaluated on hand-built facts."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import polars as pl
import pytest

from fupin.assessment.models import INDICATOR_CODES
from fupin.assessment.params import Params, default_values
from fupin.assessment.reasons import indicator_reasons
from fupin.assessment.rules import Facts, evaluate

YEAR = 2019
AS_OF = date(2019, 12, 31)
LINE = 3747  # default poverty line of 2019

HOUSEHOLD = {"id": 1, "household_no": "H1", "village_id": 10, "food_secure": True, "clothing_secure": True,
             "housing_grade": "B", "housing_renovated": None, "relocated": None, "safe_water": True}
ADULT = {"name": "张三", "birth_date": date(1970, 5, 1), "schooling": "not_in_school", "home_schooling": None,
         "medical_insurance": True}


def _income(net_yuan: str) -> dict[str, int]:
    """An income row whose net (before dividing by members) is ``net_yuan``."""
    cents = round(float(net_yuan) * 100)
    return {"wage": cents + 50000, "business": 0, "property": 0, "transfer": 0, "expense": 50000}


def run(household: dict[str, Any] | None = None, members: list[dict[str, Any]] | None = None,
        income: dict[str, int] | str | None = "default", params: dict[str, Any] | None = None) -> dict[str, Any]:
    hh = HOUSEHOLD | (household or {})
    mem = members if members is not None else [ADULT, ADULT | {"name": "李四"}]
    inc = _income("10000.00") if isinstance(income, str) else income
    households = pl.DataFrame([hh], schema={
        "id": pl.Int64, "household_no": pl.String, "village_id": pl.Int64, "food_secure": pl.Boolean,
        "clothing_secure": pl.Boolean, "housing_grade": pl.String, "housing_renovated": pl.Boolean,
        "relocated": pl.Boolean, "safe_water": pl.Boolean})
    member_frame = pl.DataFrame([{"household_id": 1} | m for m in mem], schema={
        "household_id": pl.Int64, "name": pl.String, "birth_date": pl.Date, "schooling": pl.String,
        "home_schooling": pl.Boolean, "medical_insurance": pl.Boolean})
    incomes = pl.DataFrame([{"household_id": 1} | inc] if inc else [], schema={
        "household_id": pl.Int64, "wage": pl.Int64, "business": pl.Int64, "property": pl.Int64,
        "transfer": pl.Int64, "expense": pl.Int64})
    values = default_values(YEAR) | (params or {})
    df = evaluate(Facts(households, member_frame, incomes), YEAR, {10: Params(YEAR, values)})
    if df.is_empty():
        return {}
    row = df.row(0, named=True)
    row["facts"] = json.loads(row["facts"])
    outcomes = {code: row[code.lower()] for code in INDICATOR_CODES}
    figures = row["facts"] | {"per_capita_cents": row["per_capita_cents"], "line_cents": row["line_cents"]}
    row["reasons"] = {r.indicator: r.text for r in indicator_reasons(outcomes, figures, YEAR)}
    return row


def test_all_pass_is_exit_eligible():
    row = run()
    assert [row[c] for c in ("income", "food_clothing", "education", "medical", "housing", "water")] == ["PASS"] * 6
    assert row["verdict"] == "EXIT_ELIGIBLE" and row["failed_codes"] == "" and row["unknown_codes"] == ""
    assert row["per_capita_cents"] == 500000
    assert row["reasons"]["INCOME"] == "人均纯收入 5,000.00 元，超过 2019 年扶贫标准 3,747 元"


@pytest.mark.parametrize(("net", "members", "outcome", "per_capita"), [
    ("7494.00", 2, "FAIL", "3,747.00"),     # exactly the line: not strictly greater
    ("7494.02", 2, "PASS", "3,747.01"),     # one cent above
    ("7494.01", 2, "PASS", "3,747.01"),     # 3,747.005 rounds half-up to 3,747.01 BEFORE the comparison
    ("11241.01", 3, "FAIL", "3,747.00"),    # 3,747.0033 rounds down to the line
    ("11241.02", 3, "PASS", "3,747.01"),    # 3,747.0067 rounds up
    ("-1.01", 2, "FAIL", "-0.51"),          # expenses above income: negative, half away from zero
])
def test_income_boundaries(net, members, outcome, per_capita):
    people = [ADULT | {"name": f"成员{i}"} for i in range(members)]
    row = run(members=people, income=_income(net))
    assert row["income"] == outcome
    verb = "超过" if outcome == "PASS" else "未超过"
    assert row["reasons"]["INCOME"] == f"人均纯收入 {per_capita} 元，{verb} 2019 年扶贫标准 3,747 元"


def test_income_unknown_without_a_record_of_the_year():
    row = run(income=None)
    assert row["income"] == "UNKNOWN" and row["verdict"] == "INSUFFICIENT_DATA"
    assert row["reasons"]["INCOME"] == "缺少 2019 年收支数据"


def test_income_line_is_the_parameter_not_a_constant():
    assert run(income=_income("9000.00"), params={"poverty_line": "4500"})["income"] == "FAIL"
    assert run(income=_income("9000.02"), params={"poverty_line": "4500"})["income"] == "PASS"


def test_member_born_after_the_reference_date_does_not_count():
    baby = ADULT | {"name": "新生儿", "birth_date": date(2020, 1, 1)}
    row = run(members=[ADULT, ADULT | {"name": "李四"}, baby], income=_income("8000.00"))
    assert row["members"] == 2 and row["per_capita_cents"] == 400000


@pytest.mark.parametrize(("food", "clothing", "outcome"), [
    (True, True, "PASS"), (False, True, "FAIL"), (True, False, "FAIL"), (None, True, "UNKNOWN"),
    (True, None, "UNKNOWN"), (False, None, "FAIL"),
])
def test_food_clothing(food, clothing, outcome):
    row = run(household={"food_secure": food, "clothing_secure": clothing})
    assert row["food_clothing"] == outcome


def _child(birth: date, schooling: str | None, home: bool | None = None) -> dict[str, Any]:
    return ADULT | {"name": "小明", "birth_date": birth, "schooling": schooling, "home_schooling": home}


@pytest.mark.parametrize(("birth", "schooling", "home", "outcome"), [
    (date(2013, 12, 31), "dropped_out", None, "FAIL"),        # turns 6 ON the reference date: school age
    (date(2014, 1, 1), "dropped_out", None, "PASS"),          # still 5 on the reference date
    (date(2004, 12, 31), "not_in_school", None, "FAIL"),      # 15 on the reference date: school age
    (date(2003, 12, 31), "not_in_school", None, "PASS"),      # 16: past compulsory age
    (date(2010, 3, 1), "grade_7", None, "PASS"),
    (date(2010, 3, 1), "dropped_out", True, "PASS"),          # 送教上门 counts as schooling
    (date(2010, 3, 1), "not_in_school", False, "FAIL"),
    (date(2010, 3, 1), None, None, "UNKNOWN"),
    (date(2010, 3, 1), None, True, "PASS"),
])
def test_education(birth, schooling, home, outcome):
    row = run(members=[ADULT, _child(birth, schooling, home)])
    assert row["education"] == outcome


def test_education_fail_names_the_child_and_beats_unknown():
    row = run(members=[ADULT, _child(date(2010, 3, 1), "dropped_out"), _child(date(2011, 3, 1), None) | {"name": "小红"}])
    assert row["education"] == "FAIL"
    assert row["reasons"]["EDUCATION"] == "义务教育阶段成员未在校且未送教上门：小明(9岁，辍学)"


def test_school_ages_are_parameters():
    row = run(members=[ADULT, _child(date(2003, 12, 31), "not_in_school")], params={"school_age_max": 16})
    assert row["education"] == "FAIL"


@pytest.mark.parametrize(("insured", "outcome"), [((True, True), "PASS"), ((True, False), "FAIL"),
                                                  ((True, None), "UNKNOWN"), ((False, None), "FAIL")])
def test_medical(insured, outcome):
    people = [ADULT | {"name": f"成员{i}", "medical_insurance": v} for i, v in enumerate(insured)]
    assert run(members=people)["medical"] == outcome


@pytest.mark.parametrize(("grade", "renovated", "relocated", "outcome"), [
    ("A", None, None, "PASS"), ("B", False, None, "PASS"),
    ("C", True, None, "PASS"), ("D", True, False, "PASS"),
    ("C", False, False, "FAIL"), ("D", None, None, "FAIL"),
    ("D", False, True, "PASS"),              # relocated
    (None, None, True, "PASS"), (None, None, None, "UNKNOWN"), (None, None, False, "UNKNOWN"),
])
def test_housing(grade, renovated, relocated, outcome):
    row = run(household={"housing_grade": grade, "housing_renovated": renovated, "relocated": relocated})
    assert row["housing"] == outcome


@pytest.mark.parametrize(("water", "outcome"), [(True, "PASS"), (False, "FAIL"), (None, "UNKNOWN")])
def test_water(water, outcome):
    assert run(household={"safe_water": water})["water"] == outcome


def test_several_failures_sorted_and_verdict():
    row = run(household={"safe_water": False, "housing_grade": "D", "food_secure": None},
              income=_income("100.00"))
    assert row["failed_codes"] == "HOUSING;INCOME;WATER"
    assert row["unknown_codes"] == "FOOD_CLOTHING"
    assert row["verdict"] == "NOT_ELIGIBLE"  # a failure outweighs unknowns


def test_unknown_only_is_insufficient_data():
    row = run(household={"safe_water": None})
    assert row["verdict"] == "INSUFFICIENT_DATA" and row["unknown_codes"] == "WATER"


def test_household_without_members_on_the_reference_date_is_not_assessed():
    assert run(members=[ADULT | {"birth_date": date(2020, 6, 1)}]) == {}
