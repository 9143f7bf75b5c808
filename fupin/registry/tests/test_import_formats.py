"""The registry import reads what county offices send: .xlsx, .xls, CSV in UTF-8 (BOM) or GBK."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from fupin.registry.importing import registry_import
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.registry.tests.import_files import (
    A1,
    Registry,
    household,
    make_id,
    member,
    write_csv,
    write_csv_set,
    write_xls,
    write_xlsx,
)

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    return {
        "households": list(Household.objects.order_by("household_no").values_list(
            "household_no", "village__code", "attribute", "main_cause", "other_causes", "identified_year", "status",
            "exit_year", "food_secure", "housing_grade", "housing_renovated", "phone")),
        "members": list(Member.objects.order_by("household__household_no", "pk").values_list(
            "household__household_no", "name", "name_pinyin", "name_initials", "id_number", "sex", "birth_date",
            "relation", "ethnicity", "education", "schooling", "home_schooling", "health", "labour", "work_location",
            "work_months", "medical_insurance", "dibao")),
        "incomes": list(IncomeRecord.objects.order_by("household__household_no", "year").values_list(
            "household__household_no", "year", "wage_income", "business_income", "transfer_income",
            "business_expense", "medical_out_of_pocket", "education_expense", "disaster_loss")),
    }


def _xlsx(tmp_path, reg):
    return [write_xlsx(tmp_path / "建档立卡.xlsx", reg.sheets(), numbers=True)]


def _xls(tmp_path, reg):
    return [write_xls(tmp_path / "建档立卡.xls", reg.sheets(), numbers=True)]


def _utf8_bom(tmp_path, reg):
    return write_csv_set(tmp_path / "utf8", reg, encoding="utf-8-sig")


def _gbk(tmp_path, reg):
    return write_csv_set(tmp_path / "gbk", reg, encoding="gbk")


@pytest.mark.parametrize("writer", [_xlsx, _xls, _utf8_bom, _gbk], ids=["xlsx", "xls", "csv-utf8-bom", "csv-gbk"])
def test_it_imports_every_format_to_the_same_registry(areas, tmp_path, writer):
    reg = Registry(3)
    reg.households[1].update({"其他致贫原因": "因学、缺技术", "脱贫状态": "已脱贫", "脱贫年度": "2019"})
    paths = writer(tmp_path, reg)
    if writer is _gbk:
        assert "户编号".encode("gbk") in paths[0].read_bytes()  # really GBK, not UTF-8
    result = registry_import(paths, actor=None)
    assert result.problems == []
    assert result.written is True
    assert result.counts == {"households_created": 3, "households_updated": 0, "households_unchanged": 0,
                             "members_created": 6, "members_updated": 0, "members_unchanged": 0, "members_kept": 0,
                             "incomes_created": 3, "incomes_updated": 0, "incomes_unchanged": 0}
    data = snapshot()
    assert data["households"][1] == ("H002", A1, "general_poor", "illness", ["schooling", "no_skills"], 2015,
                                     "exited", 2019, True, "B", False, "13912345678")
    assert data["members"][0] == ("H001", "张二", "zhanger", "ze", make_id(date(1970, 1, 1), 3), "M",
                                  date(1970, 1, 1), "head", "汉族", "junior", "not_in_school", None, "healthy",
                                  "ordinary", "in_province", 6, True, False)
    assert data["incomes"][0] == ("H001", 2019, Decimal("8000.50"), Decimal("2000.00"), Decimal("1200.00"),
                                  Decimal("500.00"), Decimal("300.00"), None, Decimal("0.00"))


def test_every_format_gives_identical_rows(areas, tmp_path):
    reg = Registry(4)
    seen = []
    for writer in (_xlsx, _xls, _utf8_bom, _gbk):
        Household.objects.all().delete()
        sub = tmp_path / writer.__name__
        sub.mkdir()
        assert registry_import(writer(sub, reg), actor=None).written
        seen.append(snapshot())
    assert all(s == seen[0] for s in seen[1:])
    assert len(seen[0]["members"]) == 8


def test_it_reads_columns_in_any_order_and_reports_unknown_columns(areas, tmp_path):
    reg = Registry(2)
    for row in reg.households:
        row["备注"] = "核实无误"
    shuffled = {}
    shuffled["户信息"] = ["备注", *[h for h in reversed(list(reg.households[0])) if h != "备注"]]
    path = write_xlsx(tmp_path / "a.xlsx", reg.sheets(), headers=shuffled)
    result = registry_import([path], actor=None)
    assert result.problems == []
    assert result.ignored_columns == [("户信息", "备注")]
    assert Household.objects.get(household_no="H002").village.code == A1


def test_it_finds_the_header_below_a_title_row_and_ignores_other_sheets(areas, tmp_path):
    reg = Registry(2)
    reg.incomes[1]["工资性收入"] = "-1"
    path = write_xlsx(tmp_path / "a.xlsx", {**reg.sheets(), "填表说明": [{"说明": "户编号必须唯一"}]},
                      headers={"填表说明": ["说明"]}, title_row=True)
    result = registry_import([path], actor=None)
    assert result.ignored_sheets == ["填表说明"]
    # The title is row 1, the header row 2: the second income row is row 4 as Excel shows it.
    assert [(p.sheet, p.row, p.column, p.code) for p in result.problems] == [
        ("收支情况", 4, "工资性收入", "MONEY_NEGATIVE")]


def test_it_recognises_csv_files_by_their_header_not_their_name(areas, tmp_path):
    reg = Registry(2)
    paths = [write_csv(tmp_path / "a.csv", reg.incomes, sheet="收支情况"),
             write_csv(tmp_path / "b.csv", reg.members, sheet="家庭成员"),
             write_csv(tmp_path / "c.csv", reg.households, sheet="户信息")]
    result = registry_import(paths, actor=None)
    assert result.written and result.counts["members_created"] == 4


def test_it_maps_poverty_status_to_the_workflow_state(areas, tmp_path):
    reg = Registry(4)
    for row, status in zip(reg.households, ("未脱贫", "已脱贫", "返贫", "非贫困户"), strict=True):
        row.update(household(row["户编号"], row["户主身份证号"], status=status))
    assert registry_import([write_xlsx(tmp_path / "a.xlsx", reg.sheets())], actor=None).written
    states = dict(Household.objects.values_list("household_no", "status"))
    assert states == {"H001": "registered", "H002": "exited", "H003": "returned", "H004": None}
    assert Household.objects.get(household_no="H004").attribute == "ordinary"


def test_it_upgrades_a_legacy_15_digit_id_number(areas, tmp_path):
    reg = Registry(1)
    legacy = "411103700101013"
    upgraded = make_id(date(1970, 1, 1), 13)
    reg.members[0]["身份证号"] = legacy
    reg.households[0]["户主身份证号"] = legacy
    assert registry_import(write_csv_set(tmp_path, reg), actor=None).written
    head = Member.objects.get(relation="head")
    assert (head.id_number, head.sex, head.birth_date) == (upgraded, "M", date(1970, 1, 1))


def test_it_accepts_ids_with_spaces_full_width_digits_and_lower_case_x(areas, tmp_path):
    reg = Registry(1)
    real = next(make_id(date(1980, 5, 5), s) for s in range(1, 999, 2) if make_id(date(1980, 5, 5), s).endswith("X"))
    reg.members[0]["身份证号"] = " " + "".join(chr(ord(c) + 0xFEE0) for c in real[:6]) + real[6:-1] + "x"
    reg.households[0]["户主身份证号"] = real.lower()
    result = registry_import(write_csv_set(tmp_path, reg), actor=None)
    assert result.problems == []
    assert Member.objects.filter(id_number=real).exists()


def test_it_stores_pinyin_with_surname_readings(areas, tmp_path):
    reg = Registry(1)
    reg.members[0]["姓名"] = "曾长江"
    reg.members[1]["姓名"] = "单 红"
    assert registry_import(write_csv_set(tmp_path, reg), actor=None).written
    keys = dict(Member.objects.values_list("name", "name_pinyin"))
    assert keys == {"曾长江": "zengchangjiang", "单 红": "shanhong"}
    assert set(Member.objects.values_list("name_initials", flat=True)) == {"zcj", "sh"}


def test_a_member_only_file_adds_to_a_household_already_in_the_registry(areas, tmp_path):
    reg = Registry(1)
    assert registry_import(write_csv_set(tmp_path / "first", reg), actor=None).written
    child = member("H001", "张小", make_id(date(2010, 3, 3), 21), "子")
    path = write_csv(tmp_path / "more.csv", [child], sheet="家庭成员")
    result = registry_import([path], actor=None)
    assert result.problems == []
    assert result.counts["members_created"] == 1
    assert result.counts["members_kept"] == 2
    assert Household.objects.get(household_no="H001").members.count() == 3
    assert Member.objects.get(name="张小").household.household_no == "H001"
