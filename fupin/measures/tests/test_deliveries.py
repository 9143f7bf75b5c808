"""A department's beneficiary list: recorded when valid; with planted errors refused row by row
(row, column, value, rule in Chinese and English) and nothing written, unless valid-only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from fupin.core.testing import make_id_number
from fupin.measures.deliveries import delivery_problems_workbook, measures_load
from fupin.measures.models import Measure
from fupin.measures.tests.conftest import add_member

pytestmark = pytest.mark.django_db
HEADER = ["身份证号", "姓名", "帮扶项目", "金额", "发放日期", "说明"]


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "帮扶措施名单"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def people(policy, households):
    h = households["a1"]
    h.housing_grade = "D"
    h.save()
    return {"pupil": add_member(h, "刘小", date(2009, 3, 1), schooling="primary"),
            "senior": add_member(h, "刘高", date(2003, 3, 1), schooling="senior"),
            "worker": add_member(h, "刘工", date(1975, 3, 1)), "old": add_member(h, "刘老", date(1940, 3, 1)),
            "head": h.members.get(relation="head"), "other": households["b1"].members.first()}


def test_a_clean_list_is_recorded(people, tmp_path, personas):
    p = people
    path = workbook(tmp_path / "教育局.xlsx", [
        [p["pupil"].id_number, "刘小", "义务教育寄宿生生活补助", "625", "2019-09-10", "秋季学期"],
        [p["senior"].id_number, "刘高", "high_school_grant", "1250", "2019/9/10", ""],
        [p["head"].id_number, "", "农村危房改造", "30000", "2019-05-01", "D级重建"],
    ])
    result = measures_load(path, actor=personas.officer)
    assert (result.problems, result.rows, result.written) == ([], 3, True)
    got: set[tuple[str, str | None, Decimal | None, str]] = set(
        Measure.objects.values_list("programme__code", "member__name", "amount", "source"))
    assert ("boarding_subsidy", "刘小", Decimal("625.00"), "file") in got
    assert ("housing_renovation", None, Decimal("30000.00"), "file") in got


def test_planted_errors_are_refused_row_by_row_and_nothing_is_written(people, tmp_path, personas):
    p = people
    path = workbook(tmp_path / "名单.xlsx", [
        [p["pupil"].id_number, "刘小", "boarding_subsidy", "625", "2019-09-10", ""],          # 2 good
        [make_id_number(date(2000, 1, 1)), "无名", "boarding_subsidy", "625", "2019-09-10", ""],           # 3 not registered
        [p["pupil"].id_number, "刘小", "不存在的项目", "625", "2019-09-10", ""],                 # 4 unknown programme
        [p["old"].id_number, "刘老", "public_welfare_post", "500", "2019-09-01", ""],         # 5 over working age
        [p["worker"].id_number, "刘工", "public_welfare_post", "800", "2019-09-01", ""],      # 6 over the pay limit
        [p["worker"].id_number, "刘工", "public_welfare_post", "500", "2019-10-01", ""],      # 7 good
        [p["worker"].id_number, "刘工", "public_welfare_post", "500", "2019-10-15", ""],      # 8 overlaps row 7
        [p["pupil"].id_number, "刘小", "boarding_subsidy", "abc", "2019-13-01", ""],          # 9 money + date
        [p["other"].id_number, "", "family_doctor", "", "2019-03-01", ""],                    # 10 another township
        [p["senior"].id_number, "刘大", "high_school_grant", "1000", "2019-09-01", ""],       # 11 name differs
    ])
    result = measures_load(path, actor=personas.township_a)
    located = [(pr.row, pr.column, pr.code) for pr in result.problems]
    assert located == [
        (3, "身份证号", "PERSON_UNKNOWN"), (4, "帮扶项目", "CODE_UNKNOWN"), (5, "帮扶项目", "NOT_ELIGIBLE"),
        (6, "金额", "AMOUNT_OVER_LIMIT"), (8, "发放日期", "PERIOD_OVERLAP"), (9, "金额", "MONEY_NOT_NUMBER"),
        (9, "发放日期", "DATE_INVALID"), (10, "身份证号", "PERSON_UNKNOWN"), (11, "姓名", "NAME_MISMATCH")]
    assert result.refused and not result.written and not Measure.objects.exists()
    over = result.problems[3]
    assert over.value == "800" and "超过政策上限 500" in over.rule_zh and "exceeds the policy limit" in over.rule_en
    assert "第 6 行" in over.message() and "row 6" in over.message()
    report = tmp_path / "问题.xlsx"
    delivery_problems_workbook(result, path, report)
    cells = [str(c) for row in load_workbook(report).worksheets[0].iter_rows(values_only=True) for c in row if c]
    assert any("超过政策上限" in c for c in cells)

    valid = measures_load(path, actor=personas.township_a, valid_only=True)
    assert valid.written and valid.rows == 2 and valid.skipped_rows == {"帮扶措施名单": [3, 4, 5, 6, 8, 9, 10, 11]}
    assert Measure.objects.count() == 2


def test_a_department_loads_only_its_own_programmes(people, tmp_path, personas):
    p = people
    path = workbook(tmp_path / "名单.csv", [])
    path.write_text(",".join(HEADER) + "\n" + f"{p['head'].id_number},,dibao,300,2019-05-01,\n"
                    + f"{p['pupil'].id_number},,boarding_subsidy,600,2019-09-01,\n", encoding="utf-8")
    result = measures_load(path, actor=personas.department)  # 区教体局
    assert [(pr.row, pr.code) for pr in result.problems] == [(2, "PROGRAMME_NOT_YOURS")]
    assert not Measure.objects.exists()


def test_a_list_with_no_data_rows_is_refused_and_records_nothing(people, tmp_path, capsys):
    result = measures_load(workbook(tmp_path / "空.xlsx", []), actor=None, valid_only=True)
    assert result.refused and not result.written
    assert [(p.sheet, p.code) for p in result.problems] == [("帮扶措施名单", "NO_DATA_ROWS")]
    assert Measure.objects.count() == 0
    with pytest.raises(CommandError) as exc:
        call_command("measures_load", str(tmp_path / "空.xlsx"))
    assert exc.value.returncode == 1 and "no data rows" in capsys.readouterr().err


def test_the_command_refuses_with_status_1_and_records_with_0(people, tmp_path, capsys):
    p = people
    bad = workbook(tmp_path / "坏.xlsx", [[p["pupil"].id_number, "刘小", "boarding_subsidy", "9999", "2019-09-10", ""]])
    with pytest.raises(CommandError) as exc:
        call_command("measures_load", str(bad))
    assert exc.value.returncode == 1 and "超过政策上限" in capsys.readouterr().err
    good = workbook(tmp_path / "好.xlsx", [[p["pupil"].id_number, "刘小", "boarding_subsidy", "600", "2019-09-10", ""]])
    call_command("measures_load", str(good))
    assert Measure.objects.count() == 1
