"""Reasons are stored as outcomes and figures and rendered in the viewer's language (ADR 0011)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from fupin.assessment.models import INDICATOR_CODES, AssessmentRun, HouseholdAssessment
from fupin.assessment.reasons import TEMPLATES, render
from fupin.assessment.services import assess_county, policy_seed_defaults
from fupin.core.testing import make_household
from fupin.registry.models import IncomeRecord, Member

pytestmark = pytest.mark.django_db
YEAR = 2019


@pytest.fixture
def failing(areas):
    """A household failing education and medical, with a blank food answer and no water."""
    policy_seed_defaults()
    household = make_household(areas.village_a1, "R-1", food_secure=None, clothing_secure=True, safe_water=False,
                               housing_grade="C", housing_renovated=True)
    head, son = Member.objects.filter(household=household).order_by("pk")
    head.medical_insurance, head.schooling = False, "not_in_school"
    head.save()
    son.name, son.birth_date, son.schooling, son.medical_insurance = "小明", date(2010, 3, 1), "dropped_out", None
    son.save()
    IncomeRecord.objects.create(household=household, year=YEAR, wage_income=Decimal("6000.01"), business_income=0,
                                property_income=0, transfer_income=0, business_expense=0)
    return household


def test_a_result_stores_codes_and_figures_and_reads_as_before_in_chinese(failing):
    result = HouseholdAssessment.objects.get(run=assess_county(YEAR))
    assert result.legacy_reasons == {}  # no sentence is stored
    assert result.facts["named"] == {"edu_fail": [{"name": "小明", "age": 9, "schooling": "dropped_out"}],
                                     "edu_unknown": [], "med_no": ["张三"], "med_blank": ["小明"]}
    assert (result.facts["food_secure"], result.facts["safe_water"], result.facts["housing_grade"]) == (
        None, False, "C")
    assert result.reasons == {
        "INCOME": "人均纯收入 3,000.01 元，未超过 2019 年扶贫标准 3,747 元",
        "FOOD_CLOTHING": "不愁吃：未填写，不愁穿：是",
        "EDUCATION": "义务教育阶段成员未在校且未送教上门：小明(9岁，辍学)",
        "MEDICAL": "1 人未参加基本医保：张三",
        "HOUSING": "住房安全等级 C，已完成危房改造",
        "WATER": "饮水安全：否",
    }
    codes = {i["code"]: (i["reason_code"], i["figures"]) for i in result.indicators}
    assert codes["INCOME"] == ("INCOME_NOT_ABOVE_LINE", {"year": 2019, "per_capita_cents": 300001,
                                                         "line_cents": 374700})
    assert codes["MEDICAL"] == ("MEDICAL_NOT_INSURED", {"count": 1, "members": ["张三"]})
    assert codes["WATER"] == ("WATER_UNSAFE", {"safe_water": False})


def test_the_same_result_renders_in_the_viewer_s_language(failing):
    result = HouseholdAssessment.objects.get(run=assess_county(YEAR))
    chinese = result.indicators
    with translation.override("en"):
        english = result.indicators
    # Codes and figures do not depend on the language; the words do (是/否 → Yes/No from the catalogue).
    assert [(i["reason_code"], i["figures"]) for i in english] == [(i["reason_code"], i["figures"]) for i in chinese]
    assert "Yes" in english[1]["reason"] and "是" not in english[1]["reason"]
    assert "No" in english[5]["reason"] and "否" not in english[5]["reason"]
    assert chinese[1]["reason"] == "不愁吃：未填写，不愁穿：是"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_reason_code_renders(language):
    figures = {"year": 2019, "per_capita_cents": -51, "line_cents": 374750, "food_secure": True,
               "clothing_secure": None, "safe_water": None, "members": ["张三"], "count": 2, "grade": "D"}
    with translation.override(language):
        for code in TEMPLATES:
            given = figures | ({"members": [{"name": "小明", "age": 9, "schooling": "not_in_school"}]}
                               if code == "EDUCATION_OUT_OF_SCHOOL" else {})
            assert render(code, given)
    with translation.override("zh-hans"):
        assert render("INCOME_NOT_ABOVE_LINE", figures) == "人均纯收入 -0.51 元，未超过 2019 年扶贫标准 3,747.50 元"


def test_results_of_older_runs_show_the_sentences_they_stored(failing):
    run = AssessmentRun.objects.create(year=YEAR, scope=AssessmentRun.Scope.HOUSEHOLD, ruleset_version="RULES-2.0")
    stored = {code: f"旧的理由 {code}" for code in INDICATOR_CODES}
    old = HouseholdAssessment.objects.create(
        run=run, household=failing, year=YEAR, verdict="NOT_ELIGIBLE", failed_codes="INCOME", members=2,
        income="FAIL", food_clothing="PASS", education="PASS", medical="PASS", housing="PASS", water="PASS",
        legacy_reasons=stored, facts={"members": 2, "net_cents": 1})
    with translation.override("en"):
        assert old.reasons == stored
        assert [i["reason_code"] for i in old.indicators] == [""] * 6


def test_api_gives_codes_figures_and_text_in_the_request_s_language(personas, failing):
    assess_county(YEAR)
    client = Client()
    client.force_login(personas.officer)
    url = f"/api/v1/assessment/households/{failing.pk}"
    # (the middleware activates the request's language in this thread: restore it afterwards)
    with translation.override(translation.get_language()):
        zh = client.get(url, {"year": YEAR}).json()["indicators"]
        en = client.get(url, {"year": YEAR}, HTTP_ACCEPT_LANGUAGE="en").json()["indicators"]
    assert zh[5] == {"code": "WATER", "label": "饮水安全有保障", "outcome": "FAIL", "reason": "饮水安全：否",
                     "reason_code": "WATER_UNSAFE", "figures": {"safe_water": False}}
    assert en[5]["reason_code"] == "WATER_UNSAFE" and "No" in en[5]["reason"]


def test_the_cli_output_stays_chinese_whatever_the_language(failing, tmp_path):
    with translation.override("en"):
        call_command("assess", "--year", str(YEAR), "--output", str(tmp_path / "out.csv"))
    with (tmp_path / "out.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][5] == "INCOME 收入稳定超过扶贫标准"
    assert rows[1][:6] == ["R-1", "NOT_ELIGIBLE", "EDUCATION;INCOME;MEDICAL;WATER", "FOOD_CLOTHING", "3000.01",
                           "人均纯收入 3,000.01 元，未超过 2019 年扶贫标准 3,747 元"]
    assert rows[1][10] == "饮水安全：否"
