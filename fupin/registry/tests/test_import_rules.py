"""Every rule of the import template, each problem located as (sheet, Excel row, column, rule), in Chinese
and English; a file with any problem is refused whole."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from fupin.core.imports.problems import RULES
from fupin.core.models import AuditEntry
from fupin.core.testing import make_household
from fupin.registry.importing import registry_import
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.registry.tests.import_files import (
    A2,
    Registry,
    household,
    income,
    make_id,
    member,
    write_csv,
    write_csv_set,
    write_xlsx,
)

pytestmark = pytest.mark.django_db


def located(result) -> set[tuple[Any, ...]]:
    return {(p.sheet, p.row, p.column, p.code) for p in result.problems}


def registry_rows() -> tuple[int, int, int]:
    return Household.objects.count(), Member.objects.count(), IncomeRecord.objects.count()


def planted(tmp_path):
    """Twelve households, most with one planted problem (rows as Excel shows them: H00i is row i+1 of 户信息,
    its head row 2i and its spouse row 2i+1 of 家庭成员, its income row i+1 of 收支情况)."""
    reg = Registry(12)
    h, m, inc = reg.households, reg.members, reg.incomes
    h[0]["行政区划代码"] = "411103101299"                          # unknown village
    m[3]["与户主关系"] = "户主"                                    # H002: two heads
    m[5]["身份证号"] = m[7]["身份证号"]                             # H003/H004 spouses: one ID
    h[2]["主要致贫原因"] = ""                                      # registered, no cause
    h[3].update({"脱贫状态": "已脱贫", "脱贫年度": "2014"})          # exit before identification (2015)
    m[8]["身份证号"] = m[8]["身份证号"][:-1] + ("0" if m[8]["身份证号"][-1] != "0" else "1")  # check character
    m[9]["姓名"] = ""
    m[10]["姓名"] = "张" * 31
    m[11]["身份证号"] = int(m[11]["身份证号"])                      # stored as a number by Excel
    h[6]["行政区划代码"] = "41110310120"
    inc[6]["工资性收入"] = "-100"
    m[13]["身份证号"] = "41110319900101"
    inc[7]["转移性收入"] = "一千元"
    bad_day = "41110319900231002"
    from fupin.core.idnumber import check_character
    m[15]["身份证号"] = bad_day + check_character(bad_day)
    h[8].update({"脱贫状态": "已脱贫", "脱贫年度": ""})
    m[16]["健康状况"] = "残疾"
    h[9].update({"户属性": "一般农户", "联系电话": "12345"})
    m[19]["与户主关系"] = "儿子"
    h[10]["户主身份证号"] = make_id(date(1950, 6, 6), 99)
    inc[10]["年度"] = "二〇一九"
    h[11].update({"识别年度": "2021", "不愁吃": "可能"})
    inc[11]["医疗自付支出"] = "12.345"
    h.append(household("H013", make_id(date(1960, 1, 1), 1)))      # no members
    h.append(household("H012", m[22]["身份证号"]))                  # H012 twice
    m.append(member("H999", "王五", make_id(date(1961, 1, 1), 5)))  # unknown household
    inc.append(income("H001"))                                      # H001 has two 2019 rows
    return write_xlsx(tmp_path / "错误.xlsx", reg.sheets())


EXPECTED = {
    ("户信息", 2, "行政区划代码", "DIVISION_UNKNOWN"),
    ("家庭成员", 4, "与户主关系", "HOUSEHOLD_TWO_HEADS"),
    ("家庭成员", 5, "与户主关系", "HOUSEHOLD_TWO_HEADS"),
    ("家庭成员", 7, "身份证号", "ID_DUPLICATE"),
    ("家庭成员", 9, "身份证号", "ID_DUPLICATE"),
    ("户信息", 4, "主要致贫原因", "MAIN_CAUSE_REQUIRED"),
    ("户信息", 5, "脱贫年度", "EXIT_BEFORE_IDENTIFIED"),
    ("家庭成员", 10, "身份证号", "ID_CHECK_CHARACTER"),
    ("家庭成员", 11, "姓名", "REQUIRED"),
    ("家庭成员", 12, "姓名", "TEXT_TOO_LONG"),
    ("家庭成员", 13, "身份证号", "ID_NUMERIC_CELL"),
    ("户信息", 8, "行政区划代码", "DIVISION_SHAPE"),
    ("收支情况", 8, "工资性收入", "MONEY_NEGATIVE"),
    ("家庭成员", 15, "身份证号", "ID_LENGTH"),
    ("收支情况", 9, "转移性收入", "MONEY_NOT_NUMBER"),
    ("家庭成员", 17, "身份证号", "ID_BIRTH_DATE"),
    ("户信息", 10, "脱贫年度", "EXIT_YEAR_REQUIRED"),
    ("家庭成员", 18, "残疾等级", "DISABILITY_LEVEL_REQUIRED"),
    ("户信息", 11, "户属性", "ATTRIBUTE_STATUS_MISMATCH"),
    ("户信息", 11, "联系电话", "PHONE_INVALID"),
    ("家庭成员", 21, "与户主关系", "CODE_UNKNOWN"),
    ("户信息", 12, "户主身份证号", "HEAD_ID_MISMATCH"),
    ("收支情况", 12, "年度", "NUMBER_INVALID"),
    ("户信息", 13, "识别年度", "NUMBER_RANGE"),
    ("户信息", 13, "不愁吃", "BOOL_INVALID"),
    ("收支情况", 13, "医疗自付支出", "MONEY_DECIMALS"),
    ("户信息", 14, "户编号", "HOUSEHOLD_NO_MEMBERS"),
    ("户信息", 13, "户编号", "HOUSEHOLD_NO_DUPLICATE"),
    ("户信息", 15, "户编号", "HOUSEHOLD_NO_DUPLICATE"),
    ("家庭成员", 26, "户编号", "HOUSEHOLD_UNKNOWN"),
    ("收支情况", 2, "年度", "INCOME_YEAR_DUPLICATE"),
    ("收支情况", 14, "年度", "INCOME_YEAR_DUPLICATE"),
}


class TestRefusedWhole:
    def test_it_locates_every_planted_problem_and_writes_nothing(self, areas, tmp_path):
        audit_before = AuditEntry.objects.count()
        result = registry_import([planted(tmp_path)], actor=None)
        assert located(result) == EXPECTED
        assert len(result.problems) == len(EXPECTED)
        assert result.refused and not result.written
        assert registry_rows() == (0, 0, 0)
        assert AuditEntry.objects.count() == audit_before

    def test_every_problem_has_both_languages_and_a_catalogued_code(self, areas, tmp_path):
        result = registry_import([planted(tmp_path)], actor=None)
        for problem in result.problems:
            assert problem.code in RULES
            assert problem.rule_zh and problem.rule_en and problem.rule_zh != problem.rule_en
            assert f"第 {problem.row} 行" in problem.message() and f"row {problem.row}" in problem.message()

    def test_problems_come_sheet_by_sheet_row_by_row(self, areas, tmp_path):
        result = registry_import([planted(tmp_path)], actor=None)
        order = [("户信息", "家庭成员", "收支情况").index(p.sheet) for p in result.problems]
        assert order == sorted(order)
        rows = [p.row or 0 for p in result.problems if p.sheet == "家庭成员"]
        assert rows == sorted(rows)

    def test_it_refuses_an_existing_household_import_and_changes_nothing(self, areas, tmp_path):
        reg = Registry(2)
        assert registry_import(write_csv_set(tmp_path / "ok", reg), actor=None).written
        before = list(Member.objects.order_by("pk").values_list("name", "relation"))
        reg.members[0]["姓名"] = "新名字"
        reg.incomes[1]["工资性收入"] = "abc"
        result = registry_import(write_csv_set(tmp_path / "bad", reg), actor=None)
        assert result.refused
        assert list(Member.objects.order_by("pk").values_list("name", "relation")) == before


def only(tmp_path, reg: Registry, **kwargs) -> list[Any]:
    return registry_import(write_csv_set(tmp_path, reg), actor=None, **kwargs).problems


class TestClearMessages:
    def test_two_heads(self, areas, tmp_path):
        reg = Registry(1)
        reg.members[1]["与户主关系"] = "户主"
        problems = only(tmp_path, reg)
        assert [(p.sheet, p.row, p.column) for p in problems] == [("members.csv", 2, "与户主关系"),
                                                                  ("members.csv", 3, "与户主关系")]
        assert "该户有不止一名户主" in problems[0].rule_zh and "more than one head" in problems[0].rule_en

    def test_no_head(self, areas, tmp_path):
        reg = Registry(1)
        reg.members[0]["与户主关系"] = "子"
        problems = only(tmp_path, reg)
        assert [(p.sheet, p.row, p.column, p.code) for p in problems] == [
            ("households.csv", 2, "户编号", "HOUSEHOLD_NO_HEAD")]
        assert "没有户主" in problems[0].message() and "has no head" in problems[0].message()

    def test_duplicated_id_names_the_other_row(self, areas, tmp_path):
        reg = Registry(2)
        reg.members[3]["身份证号"] = reg.members[1]["身份证号"]
        problems = only(tmp_path, reg)
        assert [(p.row, p.code) for p in problems] == [(3, "ID_DUPLICATE"), (5, "ID_DUPLICATE")]
        assert problems[0].rule_zh == "身份证号在文件中重复（第 3, 5 行）"
        assert problems[0].rule_en == "the identity number appears more than once in the file (rows 3, 5)"

    def test_unknown_village_code(self, areas, tmp_path):
        reg = Registry(1)
        reg.households[0]["行政区划代码"] = "411103999201"
        [problem] = only(tmp_path, reg)
        assert (problem.row, problem.column, problem.value) == (2, "行政区划代码", "411103999201")
        assert problem.rule_zh == "不是平台中已有的村级行政区划"
        assert problem.rule_en == "not a village-level division known to the platform"

    def test_a_township_code_is_not_a_village(self, areas, tmp_path):
        reg = Registry(1)
        reg.households[0]["行政区划代码"] = areas.town_a.code
        assert [p.code for p in only(tmp_path, reg)] == ["DIVISION_UNKNOWN"]

    def test_bad_check_character(self, areas, tmp_path):
        reg = Registry(1)
        good = reg.members[1]["身份证号"]
        reg.members[1]["身份证号"] = good[:-1] + ("1" if good[-1] != "1" else "2")
        [problem] = only(tmp_path, reg)
        assert (problem.row, problem.column, problem.code) == (3, "身份证号", "ID_CHECK_CHARACTER")
        assert problem.rule_zh == "身份证号校验码错误" and problem.rule_en == "wrong check character"

    def test_id_typed_as_a_number_in_excel(self, areas, tmp_path):
        reg = Registry(1)
        reg.members[1]["身份证号"] = int(reg.members[1]["身份证号"])
        result = registry_import([write_xlsx(tmp_path / "a.xlsx", reg.sheets())], actor=None)
        [problem] = result.problems
        assert (problem.sheet, problem.row, problem.column, problem.code) == ("家庭成员", 3, "身份证号",
                                                                              "ID_NUMERIC_CELL")
        assert problem.value == "4.11103E+17"
        assert "设置为文本格式" in problem.rule_zh and "format the column as text" in problem.rule_en

    def test_id_saved_by_excel_as_4_11103e17_in_a_csv(self, areas, tmp_path):
        reg = Registry(1)
        reg.members[1]["身份证号"] = "4.11103E+17"
        [problem] = only(tmp_path, reg)
        assert (problem.row, problem.code, problem.value) == (3, "ID_NUMERIC_CELL", "4.11103E+17")

    def test_id_with_float_digits_from_a_numeric_cell(self, areas, tmp_path):
        reg = Registry(1)
        reg.members[1]["身份证号"] = "411103197202010002.0"
        [problem] = only(tmp_path, reg)
        assert problem.code == "ID_NUMERIC_CELL"

    def test_negative_amount(self, areas, tmp_path):
        reg = Registry(1)
        reg.incomes[0]["生产经营性支出"] = "-20.5"
        [problem] = only(tmp_path, reg)
        assert (problem.sheet, problem.row, problem.column, problem.value) == ("incomes.csv", 2, "生产经营性支出",
                                                                               "-20.5")
        assert problem.rule_zh == "金额不能为负数" and problem.rule_en == "an amount must not be negative"

    def test_non_numeric_amount(self, areas, tmp_path):
        reg = Registry(1)
        reg.incomes[0]["财产性收入"] = "约500元"
        [problem] = only(tmp_path, reg)
        assert (problem.column, problem.code, problem.value) == ("财产性收入", "MONEY_NOT_NUMBER", "约500元")
        assert "不能是文字" in problem.rule_zh and "not text" in problem.rule_en

    def test_amounts_with_thousands_separators_and_trailing_zeros_are_fine(self, areas, tmp_path):
        reg = Registry(1)
        reg.incomes[0].update({"工资性收入": "12,345.60", "财产性收入": "7.500"})
        assert only(tmp_path, reg) == []
        record = IncomeRecord.objects.get()
        assert (str(record.wage_income), str(record.property_income)) == ("12345.60", "7.50")

    def test_a_required_column_missing_is_one_problem_of_the_file(self, areas, tmp_path):
        reg = Registry(2)
        columns = [h for h in reg.members[0] if h != "与户主关系"]
        paths = write_csv_set(tmp_path, reg)
        write_csv(paths[1], reg.members, sheet="家庭成员", columns=columns)
        result = registry_import(paths, actor=None, valid_only=True)
        assert located(result) == {("members.csv", 1, "与户主关系", "COLUMN_MISSING")}
        assert result.refused and result.fatal and registry_rows() == (0, 0, 0)

    def test_an_unrecognised_csv_file(self, areas, tmp_path):
        path = tmp_path / "notes.csv"
        path.write_text("名称,说明\n甲,乙\n", encoding="utf-8")
        result = registry_import([path], actor=None)
        assert [(p.sheet, p.code) for p in result.problems] == [("notes.csv", "SHEET_UNRECOGNISED")]

    def test_an_unreadable_workbook(self, areas, tmp_path):
        path = tmp_path / "坏.xlsx"
        path.write_bytes(b"PK\x03\x04 not really a zip")
        [problem] = registry_import([path], actor=None).problems
        assert (problem.sheet, problem.row, problem.code) == ("坏.xlsx", None, "ZIP_DAMAGED")  # refused by the look before parsing

    def test_phone_numbers(self, areas, tmp_path):
        reg = Registry(4)
        for row, phone in zip(reg.households, ("0395-1234567", "03951234567", "139 1234 5678", "1391234567"),
                              strict=True):
            row["联系电话"] = phone
        assert [(p.row, p.code) for p in only(tmp_path, reg)] == [(5, "PHONE_INVALID")]


class TestAgainstTheRegistry:
    def test_an_id_in_another_household_is_refused(self, areas, tmp_path):
        existing = make_household(areas.village_a1, "OLD-1")
        taken = existing.members.get(relation="head").id_number
        reg = Registry(1, seq_base=200)
        reg.members[1]["身份证号"] = taken
        [problem] = only(tmp_path, reg)
        assert (problem.row, problem.column, problem.code) == (3, "身份证号", "ID_IN_OTHER_HOUSEHOLD")
        assert "另一户" in problem.rule_zh and "another household" in problem.rule_en

    def test_a_village_outside_the_users_area_is_refused(self, personas, tmp_path):
        reg = Registry(2)
        reg.households[1]["行政区划代码"] = A2
        result = registry_import(write_csv_set(tmp_path, reg), actor=_importer(personas.areas.town_a))
        assert result.written  # an importer held in the township may import into both its villages
        Household.objects.all().delete()
        result = registry_import(write_csv_set(tmp_path, reg), actor=_importer(personas.areas.village_a1))
        assert located(result) == {("households.csv", 3, "行政区划代码", "DIVISION_OUT_OF_SCOPE")}
        assert result.problems[0].rule_en == "this village is outside your area"
        assert registry_rows() == (0, 0, 0)

    def test_a_household_number_registered_in_another_area_is_refused(self, personas, tmp_path):
        make_household(personas.areas.village_b1, "H001")
        reg = Registry(1)
        result = registry_import(write_csv_set(tmp_path, reg), actor=_importer(personas.areas.village_a1))
        assert ("households.csv", 2, "户编号", "HOUSEHOLD_OUT_OF_SCOPE") in located(result)
        assert Household.objects.get(household_no="H001").village == personas.areas.village_b1

    def test_members_of_a_household_outside_the_area_are_unknown(self, personas, tmp_path):
        make_household(personas.areas.village_b1, "B-1")
        path = write_csv(tmp_path / "m.csv", [member("B-1", "赵六", make_id(date(1999, 9, 9), 7), "子")],
                         sheet="家庭成员")
        result = registry_import([path], actor=_importer(personas.areas.village_a1))
        assert located(result) == {("m.csv", 2, "户编号", "HOUSEHOLD_UNKNOWN")}

    def test_a_new_head_beside_the_registered_head_is_two_heads(self, areas, tmp_path):
        make_household(areas.village_a1, "OLD-1")
        path = write_csv(tmp_path / "m.csv", [member("OLD-1", "赵六", make_id(date(1999, 9, 9), 7), "户主")],
                         sheet="家庭成员")
        [problem] = registry_import([path], actor=None).problems
        assert (problem.row, problem.code) == (2, "HOUSEHOLD_TWO_HEADS")
        assert "平台中已登记了另一名户主" in problem.rule_zh

    def test_a_user_without_the_import_capability_is_refused(self, personas, tmp_path):
        with pytest.raises(PermissionDenied):
            registry_import(write_csv_set(tmp_path, Registry(1)), actor=personas.cadre_a1)
        assert registry_rows() == (0, 0, 0)


def _importer(area):
    """A district officer's capabilities, held in one village only (a narrow scope to test against)."""
    from fupin.accounts.roles import Role
    from fupin.core.testing import make_user

    county = area
    while county.level != "county":
        county = county.parent
    user = make_user(f"importer_{area.code}", Role.DISTRICT_OFFICER, county)
    user.assignments.all().update(area=area)
    from fupin.accounts.models import User

    return User.objects.get(pk=user.pk)


def test_amounts_in_every_accepted_spelling(areas, tmp_path):
    reg = Registry(1)
    reg.incomes[0].update({"工资性收入": "8000.", "生产经营性收入": "0012.5", "财产性收入": "1,000", "转移性收入": ".5",
                           "生产经营性支出": "9999999999.99", "医疗自付支出": "10000000000", "教育支出": "1.5e3"})
    problems = only(tmp_path, reg)
    assert [(p.column, p.code) for p in problems] == [("医疗自付支出", "MONEY_TOO_LARGE"),
                                                      ("教育支出", "MONEY_NOT_NUMBER")]
    reg.incomes[0].update({"医疗自付支出": "", "教育支出": ""})
    assert only(tmp_path / "again", reg) == []
    record = IncomeRecord.objects.get()
    assert [str(getattr(record, f)) for f in ("wage_income", "business_income", "property_income",
                                               "transfer_income", "business_expense")] == [
        "8000.00", "12.50", "1000.00", "0.50", "9999999999.99"]
