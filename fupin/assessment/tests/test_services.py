"""Assessment runs against the database: storage, replay record, policy versions and overlays."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from openpyxl import load_workbook

from fupin.assessment.models import AssessmentRun, HouseholdAssessment, PolicyVersion
from fupin.assessment.rules import RULESET_VERSION
from fupin.assessment.selectors import result_header, result_rows
from fupin.assessment.services import (
    assess_county,
    household_assess,
    household_latest_assessment,
    policy_seed_defaults,
    policy_version_create,
    work_year,
)
from fupin.core.errors import BadInput
from fupin.core.output import write_table
from fupin.core.testing import fupin_main, make_household
from fupin.registry.models import IncomeRecord, Member

pytestmark = pytest.mark.django_db


def _secure(household, *, net: str = "9000.00", year: int = 2019):
    """Make a two-member household pass every indicator but income, which is set to ``net``."""
    household.food_secure = household.clothing_secure = household.safe_water = True
    household.housing_grade = "A"
    household.save()
    Member.objects.filter(household=household).update(medical_insurance=True, schooling="not_in_school")
    IncomeRecord.objects.update_or_create(household=household, year=year, defaults={
        "wage_income": Decimal(net) + 100, "business_income": 0, "property_income": 0, "transfer_income": 0,
        "business_expense": 100})
    return household


@pytest.fixture
def policy(db):
    policy_seed_defaults()


def test_county_run_stores_every_register_household_with_its_replay_record(areas, policy):
    eligible = _secure(make_household(areas.village_a1, "A-1"), net="8000.00")
    poor = _secure(make_household(areas.village_a2, "A-2"), net="7494.00")   # exactly 3,747 a head
    make_household(areas.village_b1, "B-1", status="removed")
    make_household(areas.village_b1, "B-2", status=None)                      # a candidate, not in the register
    run = assess_county(2019)
    assert run.households == 2 and run.totals == {"EXIT_ELIGIBLE": 1, "NOT_ELIGIBLE": 1}
    assert run.ruleset_version == RULESET_VERSION and run.params["default"]["poverty_line"] == "3747"
    first = HouseholdAssessment.objects.get(run=run, household=eligible)
    assert first.verdict == "EXIT_ELIGIBLE" and first.per_capita_income == Decimal("4000.00")
    assert first.poverty_line == Decimal("3747.00") and first.facts["members"] == 2
    second = HouseholdAssessment.objects.get(run=run, household=poor)
    assert (second.verdict, second.failed) == ("NOT_ELIGIBLE", ["INCOME"])
    assert second.reasons["INCOME"] == "人均纯收入 3,747.00 元，未超过 2019 年扶贫标准 3,747 元"
    assert [i["outcome"] for i in second.indicators] == ["FAIL", "PASS", "PASS", "PASS", "PASS", "PASS"]


def test_single_household_uses_the_same_rules_and_is_the_latest(areas, policy):
    household = _secure(make_household(areas.village_a1, "A-1"), net="8000.00")
    county = HouseholdAssessment.objects.get(run=assess_county(2019), household=household)
    one = household_assess(household, 2019)
    assert (one.verdict, one.reasons, one.facts) == (county.verdict, county.reasons, county.facts)
    latest = household_latest_assessment(household.pk, 2019)
    assert latest is not None and latest.pk == one.pk
    assert household_latest_assessment(household.pk, 2018) is None


def test_draft_runs_never_become_the_current_assessment(areas, policy):
    household = _secure(make_household(areas.village_a1, "A-1"), net="8000.00")
    published = household_assess(household, 2019)
    draft = policy_version_create(year=2019, values={"poverty_line": "5000"}, reason="试算", actor=None)
    run = assess_county(2019, draft=draft)
    assert run.scope == "draft" and HouseholdAssessment.objects.get(run=run).verdict == "NOT_ELIGIBLE"
    latest = household_latest_assessment(household.pk, 2019)
    assert latest is not None and latest.pk == published.pk


def test_region_override_applies_below_its_township_only(areas, policy):
    a = _secure(make_household(areas.village_a1, "A-1"), net="8000.00")   # 4,000 a head
    b = _secure(make_household(areas.village_b1, "B-1"), net="8000.00")
    policy_version_create(year=2019, region=areas.town_a, values={"poverty_line": "4200"}, reason="省定标准",
                          actor=None, publish=True)
    run = assess_county(2019)
    verdicts = dict(HouseholdAssessment.objects.filter(run=run).values_list("household_id", "verdict"))
    assert verdicts == {a.pk: "NOT_ELIGIBLE", b.pk: "EXIT_ELIGIBLE"}
    assert run.params["regions"] == {areas.town_a.code: {"poverty_line": "4200"}}


def test_policy_versions_keep_history_and_refuse_bad_values(areas, policy):
    v2 = policy_version_create(year=2019, values={"poverty_line": "3800"}, reason="调整", actor=None, publish=True)
    assert v2.number == 2 and v2.values["poverty_line"] == "3800" and v2.values["school_age_min"] == 6
    assert PolicyVersion.objects.filter(year=2019).count() == 2
    for values in ({"poverty_line": "-1"}, {"poverty_line": "abc"}, {"nonsense": 1}, {"school_age_min": "x"},
                   {"poverty_line": "3800.001"}):
        with pytest.raises(BadInput):
            policy_version_create(year=2019, values=values, reason="x", actor=None)
    with pytest.raises(BadInput):
        policy_version_create(year=2019, values={"poverty_line": "3900"}, reason=" ", actor=None)
    assert PolicyVersion.objects.filter(year=2019).count() == 2


def test_as_of_override_changes_ages(areas, policy):
    household = _secure(make_household(areas.village_a1, "A-1"))
    kid = Member.objects.get(household=household, relation="son")
    kid.birth_date, kid.schooling = date(2013, 12, 31), "dropped_out"
    kid.save()
    assert HouseholdAssessment.objects.get(run=assess_county(2019)).education == "FAIL"
    assert HouseholdAssessment.objects.get(run=assess_county(2019, as_of=date(2019, 12, 30))).education == "PASS"


def test_work_year_is_the_latest_published_line_not_after_today(policy):
    assert work_year() == 2020  # 2021 has a monitoring line but no poverty line


def test_output_files_have_the_section_7_columns(areas, policy, tmp_path):
    _secure(make_household(areas.village_a1, "A-1"), net="8000.00")
    _secure(make_household(areas.village_a1, "A-2"), net="100.00").__class__.objects.filter(
        household_no="A-2").update(safe_water=None)
    run = assess_county(2019)
    csv_path, xlsx_path = tmp_path / "out.csv", tmp_path / "out.xlsx"
    write_table(csv_path, result_header(), result_rows(run))
    write_table(xlsx_path, result_header(), result_rows(run))
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:5] == ["household_no", "verdict", "failed", "unknown", "per_capita_income"]
    assert rows[1][:5] == ["A-1", "EXIT_ELIGIBLE", "", "", "4000.00"]
    assert rows[2][:5] == ["A-2", "NOT_ELIGIBLE", "INCOME", "WATER", "50.00"]
    sheet = load_workbook(xlsx_path).active
    assert [c.value for c in sheet[3]][:5] == ["A-2", "NOT_ELIGIBLE", "INCOME", "WATER", 50]  # a number cell
    assert sheet["A2"].data_type == "s"


def test_assess_command(areas, policy, tmp_path, settings):
    from django.core.management import call_command
    _secure(make_household(areas.village_a1, "A-1"), net="8000.00")
    out = tmp_path / "r.csv"
    call_command("assess", "--year", "2019", "--output", str(out))
    assert AssessmentRun.objects.filter(scope="county").count() == 1
    assert out.read_text(encoding="utf-8-sig").splitlines()[1].startswith("A-1,EXIT_ELIGIBLE,,,4000.00,")


def test_assess_command_refuses_a_year_without_parameters(areas, policy):
    from django.core.management import call_command
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="2031"):
        call_command("assess", "--year", "2031")
    assert not AssessmentRun.objects.exists()


@pytest.mark.engine_independent
def test_assess_command_usage_error_exits_2(tmp_path):
    result = fupin_main("assess", "--year", "2019", "--output", str(tmp_path / "x.pdf"))
    assert result.returncode == 2
    assert "输出文件须为 .csv 或 .xlsx / --output must end in .csv or .xlsx" in result.stderr


def test_facts_read_by_table_scan_equal_those_read_by_household(areas, policy, monkeypatch):
    """SQLite reads a large set's members and incomes by scanning the tables (filtered in Polars):
    the frames are those of the per-household lookup; households outside the set bring nothing."""
    from fupin.assessment import services
    from fupin.registry.models import Household

    _secure(make_household(areas.village_a1, "A-1", members=3), net="8000.00")
    _secure(make_household(areas.village_a2, "A-2"), net="100.00")
    make_household(areas.village_b1, "B-1", status="removed")
    make_household(areas.village_b1, "B-2", status=None)
    register = Household.objects.filter(status__in=services.REGISTER_STATES)

    def frames() -> list[pl.DataFrame]:
        facts = services.load_facts(2019, register)
        return [f.lazy().collect().sort(pl.all()) for f in (facts.households, facts.members, facts.incomes)]

    by_household = frames()
    monkeypatch.setattr(services, "SQLITE_SCAN_ABOVE", 0)
    by_scan = frames()
    assert [f.height for f in by_scan] == [2, 5, 2]
    for a, b in zip(by_household, by_scan, strict=True):
        assert a.equals(b)
