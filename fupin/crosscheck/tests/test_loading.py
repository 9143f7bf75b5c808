"""Loading department lists: formats, planted errors located and refused, valid-only, the command line,
who may load which list."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from fupin.accounts.models import Department
from fupin.accounts.roles import Role
from fupin.core import idnumber
from fupin.core.errors import BadInput
from fupin.core.models import AuditEntry
from fupin.core.testing import make_user
from fupin.crosscheck.loading import datasets_for, list_load, load_problems_workbook
from fupin.crosscheck.models import ListLoad, ListRow
from fupin.crosscheck.tests.conftest import id_for, write_list

pytestmark = pytest.mark.django_db

GOOD = id_for(date(1950, 3, 3))


def planted(tmp_path: Path) -> Path:
    bad_check = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")
    return write_list(tmp_path / "deaths.csv", "DEATHS", [
        [GOOD, "张三", "2018-05-01"],               # row 2: good
        [bad_check, "李四", "2018-05-02"],          # row 3: wrong check character
        [id_for(date(1951, 1, 1)), "", "2018-05-03"],  # row 4: name missing
        [id_for(date(1952, 1, 1)), "王五", "2018-02-30"],  # row 5: no such date
        [id_for(date(1953, 1, 1)), "赵六", "2999-01-01"],  # row 6: in the future
        ["4.11103E+17", "钱七", "2018-05-06"],       # row 7: Excel ate the digits
    ])


def test_a_list_with_planted_errors_is_refused_with_every_problem_located(areas, tmp_path):
    result = list_load("DEATHS", planted(tmp_path), actor=None)
    assert result.refused and not result.written
    located = {(p.row, p.column, p.code) for p in result.problems}
    assert located == {(3, "身份证号", "ID_CHECK_CHARACTER"), (4, "姓名", "REQUIRED"), (5, "死亡日期", "DATE_INVALID"),
                       (6, "死亡日期", "DATE_FUTURE"), (7, "身份证号", "ID_NUMERIC_CELL")}
    for problem in result.problems:
        assert problem.sheet == "deaths.csv" and problem.rule_zh and problem.rule_en
        assert "row" in problem.message() and "行" in problem.message()
    assert next(p for p in result.problems if p.row == 5).value == "2018-02-30"
    assert ListLoad.objects.count() == 0 and ListRow.objects.count() == 0


def test_valid_only_loads_the_good_rows_and_names_those_left_out(areas, tmp_path):
    result = list_load("DEATHS", planted(tmp_path), actor=None, valid_only=True)
    assert result.written and result.rows == 1
    assert result.skipped_rows == {"deaths.csv": [3, 4, 5, 6, 7]}
    load = ListLoad.objects.get()
    assert load.row_count == 1 and load.rows_left_out == 5 and load.area == areas.county
    row = ListRow.objects.get()
    assert (row.id_number, row.name, row.event_date, row.row_no) == (GOOD, "张三", date(2018, 5, 1), 2)
    assert AuditEntry.objects.filter(action="import", object_type="crosscheck.listload").count() == 1


def test_the_problems_workbook_marks_the_bad_cells(areas, tmp_path):
    path = planted(tmp_path)
    result = list_load("DEATHS", path, actor=None)
    out = tmp_path / "report.xlsx"
    load_problems_workbook(result, path, out)
    workbook = CalamineWorkbook.from_path(str(out))
    assert workbook.sheet_names[0] == "问题清单"
    listed = workbook.get_sheet_by_name("问题清单").to_python()
    assert len(listed) == 1 + len(result.problems)
    assert listed[1][:3] == ["deaths.csv", 3.0, "身份证号"]


def test_a_missing_column_is_one_problem_of_the_file(areas, tmp_path):
    path = write_list(tmp_path / "v.csv", "VEHICLES", [[GOOD, "张三", "豫L1"]], headers=["身份证号", "姓名", "号牌号码"])
    result = list_load("VEHICLES", path, actor=None, valid_only=True)
    assert result.refused and [(p.code, p.column) for p in result.problems] == [("COLUMN_MISSING", "车辆价值")]


@pytest.mark.parametrize("name", ["deaths.csv", "deaths.xlsx"])
def test_a_list_with_no_data_rows_is_refused_and_stores_no_load(areas, tmp_path, name):
    """An empty list is no "latest load" of its dataset: it would hide the last real one from the cross-check."""
    result = list_load("DEATHS", write_list(tmp_path / name, "DEATHS", []), actor=None, valid_only=True)
    assert result.refused and not result.written
    assert [(p.code, p.row) for p in result.problems] == [("NO_DATA_ROWS", None)]
    assert ListLoad.objects.count() == 0 and not AuditEntry.objects.filter(action="import").exists()


def test_gbk_csv_and_an_excel_workbook_with_amounts_and_a_15_digit_number(areas, tmp_path):
    gbk = write_list(tmp_path / "dibao.csv", "DIBAO", [[GOOD, "张三", "特困"]], encoding="gbk")
    assert list_load("DIBAO", gbk, actor=None).rows == 1
    assert ListRow.objects.get(load__dataset="DIBAO").text_b == "特困"
    legacy = "411103500101123"
    book = write_list(tmp_path / "med.xlsx", "MEDICAL_EXPENSES", [[legacy, "李四", 2018, 5000], [GOOD, "张三", "2018",
                                                                                                 "1,234.5"]])
    result = list_load("MEDICAL_EXPENSES", book, actor=None)
    assert result.rows == 2, [p.message() for p in result.problems]
    rows = {r.id_number: r for r in ListRow.objects.filter(load__dataset="MEDICAL_EXPENSES")}
    assert rows[idnumber.upgrade_15_to_18(legacy)].amount_cents == 500000  # stored upgraded, in exact cents
    assert rows[GOOD].amount_cents == 123450 and rows[GOOD].year == 2018


def test_the_command_line_exit_status(areas, tmp_path, capsys):
    good = write_list(tmp_path / "p.csv", "PUBLIC_EMPLOYEES", [[GOOD, "张三", "区财政局"]])
    call_command("crosscheck_load", "PUBLIC_EMPLOYEES", str(good))
    assert "已导入" in capsys.readouterr().out
    with pytest.raises(CommandError) as refused:
        call_command("crosscheck_load", "DEATHS", str(planted(tmp_path)), "--report", str(tmp_path / "r.xlsx"))
    assert refused.value.returncode == 1 and (tmp_path / "r.xlsx").is_file()
    assert "第 3 行" in capsys.readouterr().err
    with pytest.raises(CommandError) as usage:
        call_command("crosscheck_load", "DEATHS", str(tmp_path / "absent.csv"))
    assert usage.value.returncode == 2
    assert ListLoad.objects.count() == 1


def test_a_department_officer_loads_only_the_lists_of_the_department(personas, tmp_path):
    education = personas.department  # assigned with 区教体局 (education)
    assert datasets_for(education) == ["STUDENTS"]
    assert "DEATHS" in datasets_for(personas.officer) and datasets_for(personas.cadre_a1) == []
    deaths = write_list(tmp_path / "d.csv", "DEATHS", [[GOOD, "张三", "2018-01-01"]])
    with pytest.raises(BadInput) as refused:
        list_load("DEATHS", deaths, actor=education)
    assert refused.value.code == "DATASET_NOT_ALLOWED"
    students = write_list(tmp_path / "s.csv", "STUDENTS", [[GOOD, "张三", "实验小学", "三年级"]])
    result = list_load("STUDENTS", students, actor=education)
    assert result.load_id is not None
    load = ListLoad.objects.get(pk=result.load_id)
    assert load.department == Department.objects.get(code="education") and load.uploaded_by == education
    police = make_user("police", Role.DEPARTMENT_OFFICER, personas.areas.county,
                       department=Department.objects.create(code="public-security", name="区公安分局",
                                                            area=personas.areas.county))
    assert datasets_for(police) == ["DEATHS", "VEHICLES"]
