"""Every finding of RULES.md §5 with its boundaries, over real loads of real CSV files."""

from __future__ import annotations

from datetime import date

import pytest

from fupin.core import idnumber
from fupin.crosscheck.models import Finding
from fupin.crosscheck.services import crosscheck_run
from fupin.crosscheck.tests.conftest import YEAR, household, id_for, load, member

pytestmark = pytest.mark.django_db


def findings(code: str | None = None) -> dict[str, Finding]:
    qs = Finding.objects.all() if code is None else Finding.objects.filter(code=code)
    return {f.id_number: f for f in qs}


def test_deceased_on_or_before_the_reference_date_and_not_after(areas, policy, tmp_path):
    hh = household(areas.village_a1)
    on_day, after, before = (member(hh, n, date(1950, 1, 1)) for n in ("甲", "乙", "丙"))
    load(tmp_path, "DEATHS", [[on_day.id_number, "甲", "2018-12-31"], [after.id_number, "乙", "2019/1/1"],
                              [before.id_number, "丙", "2017年3月5日"], [id_for(date(1940, 1, 1)), "外人", "2018-01-01"]])
    run = crosscheck_run(YEAR)
    found = findings("DECEASED_ACTIVE")
    assert set(found) == {on_day.id_number, before.id_number}
    assert found[on_day.id_number].household == hh and found[on_day.id_number].area == areas.village_a1
    assert found[on_day.id_number].detail == "死亡日期 2018-12-31"
    assert found[on_day.id_number].kind == "correction"
    assert run.counts == {"DECEASED_ACTIVE": 2}


def test_vehicle_value_at_the_limit_is_a_finding_just_below_is_not(areas, policy, tmp_path):
    hh = household(areas.village_a1)
    at, below = member(hh, "甲", date(1970, 1, 1)), member(hh, "乙", date(1972, 1, 1))
    load(tmp_path, "VEHICLES", [[at.id_number, "甲", "豫L12345", "30000"],
                                [below.id_number, "乙", "豫L22222", "29999.99"],
                                [below.id_number, "乙", "豫L33333", "1,500.5"]])
    crosscheck_run(YEAR)
    found = findings("VEHICLE_OWNER")
    assert set(found) == {at.id_number}
    assert found[at.id_number].kind == "exclusion"
    assert "30000.00" in found[at.id_number].detail


def test_compulsory_school_age_boundaries_and_home_schooling(areas, policy, tmp_path):
    hh = household(areas.village_a1)
    member(hh, "户主", date(1980, 5, 5))
    six = member(hh, "六岁", date(2012, 12, 31))        # turns 6 on as_of: school age
    five = member(hh, "五岁", date(2013, 1, 1))         # still 5 on as_of
    fifteen = member(hh, "十五岁", date(2003, 1, 1))    # 15 on as_of: school age
    sixteen = member(hh, "十六岁", date(2002, 12, 31))  # turned 16 on as_of
    home = member(hh, "送教", date(2008, 6, 1), home_schooling=True)
    enrolled = member(hh, "在读", date(2009, 6, 1))
    unborn = member(hh, "未生", date(2019, 3, 1))
    load(tmp_path, "STUDENTS", [[enrolled.id_number, "在读", "城关小学", "四年级"]])
    crosscheck_run(YEAR)
    assert set(findings("NOT_ENROLLED")) == {six.id_number, fifteen.id_number}
    assert not {five.id_number, sixteen.id_number, home.id_number, unborn.id_number} & set(findings())


def test_a_15_digit_number_and_a_lower_case_x_match_their_registry_members(areas, policy, tmp_path):
    hh = household(areas.village_a1)
    legacy15 = "411103" + "700101" + "123"
    upgraded = idnumber.upgrade_15_to_18(legacy15)
    old = member(hh, "老人", date(1970, 1, 1), id_number=upgraded)
    x = id_for(date(1980, 2, 2), check="X")
    with_x = member(hh, "带X", date(1980, 2, 2), id_number=x)
    load(tmp_path, "PUBLIC_EMPLOYEES", [[legacy15, "老人", "区财政局"], [x.lower(), "带X", "区教体局"]])
    crosscheck_run(YEAR)
    found = findings("PUBLIC_EMPLOYEE")
    assert set(found) == {old.id_number, with_x.id_number}
    assert found[old.id_number].detail == "单位：区财政局"
    assert "NAME_MISMATCH" not in {f.code for f in Finding.objects.all()}


def test_name_mismatch_after_trimming_spaces(areas, policy, tmp_path):
    hh = household(areas.village_a1)
    same, other = member(hh, "张三", date(1970, 1, 1)), member(hh, "李四", date(1975, 1, 1))
    load(tmp_path, "PROPERTIES", [[same.id_number, " 张 三 ", "市区某小区1号楼", "89.5"],
                                  [other.id_number, "李 思", "市区某小区2号楼", "100"]])
    crosscheck_run(YEAR)
    mismatch = Finding.objects.get(code="NAME_MISMATCH")
    assert mismatch.id_number == other.id_number and mismatch.dataset == "PROPERTIES"
    assert mismatch.detail == "名单姓名「李 思」，名册姓名「李四」"
    assert set(findings("PROPERTY_OWNER")) == {same.id_number, other.id_number}


def test_business_owner_only_for_an_operating_business(areas, policy, tmp_path):
    hh = household(areas.village_a1)
    running, closed = member(hh, "甲", date(1970, 1, 1)), member(hh, "乙", date(1972, 1, 1))
    load(tmp_path, "BUSINESSES", [[running.id_number, "甲", "某某商贸有限公司", "存续"],
                                  [closed.id_number, "乙", "某某农业合作社", "注销"]])
    crosscheck_run(YEAR)
    assert set(findings("BUSINESS_OWNER")) == {running.id_number}


def test_not_insured_against_the_list_of_the_year(areas, policy, tmp_path):
    hh = household(areas.village_a1)
    insured, missing = member(hh, "甲", date(1970, 1, 1)), member(hh, "乙", date(1972, 1, 1))
    load(tmp_path, "MEDICAL_INSURANCE", [[insured.id_number, "甲", "2018"], [missing.id_number, "乙", "2017"]])
    crosscheck_run(YEAR)
    assert set(findings("NOT_INSURED")) == {missing.id_number}
    # A list with no row of the year says nothing about the year.
    Finding.objects.all().delete()
    crosscheck_run(2019)
    assert findings("NOT_INSURED") == {}


def test_dibao_mismatch_names_the_listed_member_or_the_head_and_not_registered_names_no_household(areas, policy,
                                                                                                   tmp_path):
    listed_hh = household(areas.village_a1, attribute="general_poor")      # listed, attribute says no 低保
    head_a = member(listed_hh, "甲", date(1960, 1, 1))
    listed = member(listed_hh, "乙", date(1990, 1, 1))
    unlisted_hh = household(areas.village_a2, attribute="dibao_poor")      # attribute 低保, nobody listed
    head_b = member(unlisted_hh, "丙", date(1962, 1, 1))
    member(unlisted_hh, "丁", date(1992, 1, 1))
    agreeing = household(areas.village_b1, attribute="dibao_poor")
    agreeing_head = member(agreeing, "戊", date(1961, 1, 1))
    stranger = id_for(date(1955, 1, 1))
    load(tmp_path, "DIBAO", [[listed.id_number, "乙", "低保"], [agreeing_head.id_number, "戊", "低保"],
                             [stranger, "己", "特困"]])
    crosscheck_run(YEAR)
    mismatch = {f.household_id: f for f in Finding.objects.filter(code="DIBAO_MISMATCH")}
    assert set(mismatch) == {listed_hh.pk, unlisted_hh.pk}
    assert mismatch[listed_hh.pk].id_number == listed.id_number
    assert mismatch[unlisted_hh.pk].id_number == head_b.id_number
    assert head_a.id_number not in findings()
    not_registered = Finding.objects.get(code="DIBAO_NOT_REGISTERED")
    assert not_registered.id_number == stranger and not_registered.household is None
    assert not_registered.area == areas.county and not_registered.kind == "candidate"


def test_large_medical_expense_thresholds_for_the_register_and_for_candidates(areas, policy, tmp_path):
    registered = household(areas.village_a1, status="exited")
    r_at, r_below = member(registered, "甲", date(1950, 1, 1)), member(registered, "乙", date(1951, 1, 1))
    candidate = household(areas.village_a1, status=None)
    c_at, c_below = member(candidate, "丙", date(1952, 1, 1)), member(candidate, "丁", date(1953, 1, 1))
    load(tmp_path, "MEDICAL_EXPENSES", [
        [r_at.id_number, "甲", "2018", "3000"], [r_at.id_number, "甲", "2018", "2000.00"],  # summed: 5000
        [r_below.id_number, "乙", "2018", "4999.99"], [r_below.id_number, "乙", "2017", "9000"],
        [c_at.id_number, "丙", "2018", "20000"], [c_below.id_number, "丁", "2018", "19999.99"]])
    crosscheck_run(YEAR)
    found = findings("LARGE_MEDICAL_EXPENSE")
    assert set(found) == {r_at.id_number, c_at.id_number}
    assert found[r_at.id_number].kind == "signal"
    assert found[r_at.id_number].detail == "2018 年医疗自付 5000.00 元，不低于 5000.00 元"


def test_disaster_hit_in_the_year_only(areas, policy, tmp_path):
    hh = household(areas.village_b1)
    hit, earlier = member(hh, "甲", date(1970, 1, 1)), member(hh, "乙", date(1971, 1, 1))
    load(tmp_path, "DISASTER", [[hit.id_number, "甲", "2018-07-20", "3500"], [earlier.id_number, "乙", "2017-07-20", ""]])
    crosscheck_run(YEAR)
    assert set(findings("DISASTER_HIT")) == {hit.id_number}


def test_rules_run_only_for_loaded_lists_and_removed_households_are_not_checked(areas, policy, tmp_path):
    hh = household(areas.village_a1)
    child = member(hh, "童", date(2010, 1, 1))   # school age, no student list loaded
    removed = household(areas.village_a1, status="removed")
    gone = member(removed, "已剔除", date(1950, 1, 1))
    load(tmp_path, "DEATHS", [[gone.id_number, "已剔除", "2018-01-01"]])
    run = crosscheck_run(YEAR)
    assert run.loads.keys() == {"DEATHS"}
    assert Finding.objects.count() == 0
    assert child.id_number not in findings()


def test_the_latest_load_of_a_dataset_counts(areas, policy, tmp_path):
    hh = household(areas.village_a1)
    first, second = member(hh, "甲", date(1950, 1, 1)), member(hh, "乙", date(1951, 1, 1))
    load(tmp_path, "DEATHS", [[first.id_number, "甲", "2018-01-01"]])
    load(tmp_path, "DEATHS", [[second.id_number, "乙", "2018-01-01"]])
    crosscheck_run(YEAR)
    assert set(findings("DECEASED_ACTIVE")) == {second.id_number}
