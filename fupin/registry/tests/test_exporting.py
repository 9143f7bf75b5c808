"""The registry export in the import template: cells, types, order, scope, CSV form, and the command."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from fupin.core.errors import BadInput
from fupin.core.models import AuditEntry
from fupin.core.testing import make_household
from fupin.registry import exporting, template
from fupin.registry.models import Household, Member

TEXT_HEADERS = {"户编号", "行政区划代码", "户主身份证号", "身份证号", "联系电话"}


def sheet_rows(path: Path, name: str) -> list[tuple[Any, ...]]:
    book = load_workbook(path)
    return [tuple(c.value for c in row) for row in book[name].iter_rows()]


def by_header(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


class TestWorkbook:
    def test_it_writes_the_template_s_sheets_and_headers(self, tmp_path, households):
        out = tmp_path / "registry.xlsx"
        result = exporting.registry_export(Household.objects.all(), out)
        book = load_workbook(out)
        assert book.sheetnames == [s.name for s in template.SHEETS]
        for sheet in template.SHEETS:
            assert sheet_rows(out, sheet.name)[0] == sheet.headers
        assert (result.households, result.members, result.incomes) == (3, 6, 3)

    def test_it_writes_id_numbers_and_codes_as_text_cells(self, tmp_path, detailed):
        out = tmp_path / "registry.xlsx"
        exporting.registry_export(Household.objects.all(), out)
        book = load_workbook(out)
        checked = 0
        for sheet in template.SHEETS[:2]:
            ws = book[sheet.name]
            headers = [c.value for c in ws[1]]
            for row in ws.iter_rows(min_row=2):
                for header, cell in zip(headers, row, strict=True):
                    if header in TEXT_HEADERS and cell.value is not None:
                        assert cell.data_type == "s", (sheet.name, header, cell.value)
                        assert cell.number_format == "@"
                        checked += 1
        assert checked == 4 + 2 * 2  # the household's number, division, head ID and phone; two members' number, ID
        assert book["户信息"]["B2"].value == "411103101201"
        assert book["户信息"]["P2"].value == "03955551234"  # the leading zero survives

    def test_it_writes_labels_yes_no_causes_and_the_derived_poverty_status(self, tmp_path, detailed):
        out = tmp_path / "registry.xlsx"
        exporting.registry_export(Household.objects.all(), out)
        [row] = by_header(sheet_rows(out, "户信息"))
        head = Member.objects.get(household=detailed, relation="head")
        assert row == {
            "户编号": "H-A1-0007", "行政区划代码": "411103101201", "户主身份证号": head.id_number,
            "户属性": "低保贫困户", "主要致贫原因": "因病", "其他致贫原因": "因学、缺资金", "识别年度": 2015,
            "脱贫状态": "已脱贫", "脱贫年度": 2018, "不愁吃": "是", "不愁穿": "否", "住房安全等级": "C",
            "危房改造": None, "易地搬迁": "否", "饮水安全": "是", "联系电话": "03955551234",
            "家庭住址": None, "开户银行": None, "银行账号": None,
            "数据版本": 1,  # the household's version: a later import refuses to overwrite a newer change (ADR 0026)
        }

    def test_it_lists_the_head_first_whatever_the_order_of_entry(self, tmp_path, detailed):
        out = tmp_path / "registry.xlsx"
        exporting.registry_export(Household.objects.all(), out)
        members = by_header(sheet_rows(out, "家庭成员"))
        assert [m["与户主关系"] for m in members] == ["户主", "子"]
        head = members[0]
        assert (head["姓名"], head["民族"], head["健康状况"], head["残疾等级"], head["务工时间(月)"], head["享受低保"],
                head["参加基本医保"]) == ("李建国", "回族", "残疾", "二级", 7, "是", None)
        assert members[1]["在校生状况"] == "高中"

    def test_it_writes_money_as_numbers_with_two_decimals(self, tmp_path, detailed):
        out = tmp_path / "registry.xlsx"
        exporting.registry_export(Household.objects.all(), out)
        ws = load_workbook(out)["收支情况"]
        row = {h.value: c for h, c in zip(ws[1], ws[2], strict=True)}
        assert row["工资性收入"].value == 12000.5 and row["工资性收入"].number_format == "0.00"
        assert row["生产经营性支出"].value == 450.1
        assert row["医疗自付支出"].value is None  # unknown stays blank, not 0
        assert row["年度"].value == 2019 and row["年度"].data_type == "n"

    def test_it_exports_only_what_the_user_may_see(self, tmp_path, personas, households):
        out = tmp_path / "registry.xlsx"
        result = exporting.registry_export(personas.township_a, out)
        numbers = [r["户编号"] for r in by_header(sheet_rows(out, "户信息"))]
        assert numbers == ["H-A1-0001", "H-A2-0001"]
        member_numbers = {r["户编号"] for r in by_header(sheet_rows(out, "家庭成员"))}
        assert member_numbers == {"H-A1-0001", "H-A2-0001"}
        assert result.members == 4

    def test_it_makes_the_same_number_of_queries_for_3_or_30_households(self, tmp_path, areas, households):
        def queries() -> int:
            with CaptureQueriesContext(connection) as ctx:
                exporting.registry_export(Household.objects.all(), tmp_path / "x.xlsx")
            return len(ctx.captured_queries)

        few = queries()
        for i in range(27):
            make_household(areas.village_b1, f"H-B1-{i + 10:04d}", members=3)
        assert queries() == few

    def test_it_records_the_export_in_the_audit_log(self, tmp_path, personas, households):
        exporting.registry_export(Household.objects.all(), tmp_path / "x.xlsx", actor=personas.admin,
                                  filters={"village": 5, "q": ""})
        entry = AuditEntry.objects.order_by("-seq")[0]
        assert (entry.action, entry.actor, entry.changes["households"]) == ("export", personas.admin, 3)
        assert entry.changes["filters"] == {"village": 5}

    def test_it_refuses_a_sheet_longer_than_excel_holds(self, tmp_path, households, monkeypatch):
        monkeypatch.setattr(exporting, "XLSX_MAX_ROWS", 4)  # 3 households fit, 6 members do not
        with pytest.raises(BadInput, match="家庭成员") as refused:
            exporting.registry_export(Household.objects.all(), tmp_path / "x.xlsx")
        assert refused.value.code == "EXPORT_TOO_LARGE"
        assert not (tmp_path / "x.xlsx").exists()


class TestCsvFolder:
    def test_it_writes_three_utf8_files_with_a_bom_holding_the_workbook_s_rows(self, tmp_path, detailed, households):
        exporting.registry_export(Household.objects.all(), tmp_path / "book.xlsx")
        result = exporting.registry_export(Household.objects.all(), tmp_path / "csv")
        assert result.format == "csv"
        assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == sorted(["户信息.csv", "家庭成员.csv", "收支情况.csv"])
        for sheet in template.SHEETS:
            raw = (tmp_path / "csv" / f"{sheet.name}.csv").read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf")
            rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
            book = sheet_rows(tmp_path / "book.xlsx", sheet.name)
            assert tuple(rows[0]) == sheet.headers
            money = [i for i, c in enumerate(sheet.columns) if c.kind == "money"]

            def text(i: int, v: object, money: list[int] = money) -> str:
                if v is None:
                    return ""
                return f"{Decimal(str(v)):.2f}" if i in money else str(v)

            assert rows[1:] == [[text(i, v) for i, v in enumerate(row)] for row in book[1:]]
            assert len(rows) == len(book) > 1

    def test_it_writes_amounts_with_two_decimals(self, tmp_path, detailed):
        exporting.registry_export(Household.objects.all(), tmp_path / "csv")
        rows = list(csv.DictReader((tmp_path / "csv" / "收支情况.csv").read_text("utf-8-sig").splitlines()))
        assert (rows[0]["工资性收入"], rows[0]["生产经营性收入"], rows[0]["医疗自付支出"]) == ("12000.50", "0.00", "")


class TestTarget:
    @pytest.mark.parametrize("name", ["out.csv", "out.xls", "out.txt"])
    def test_it_refuses_a_target_that_is_neither_xlsx_nor_a_folder(self, tmp_path, name):
        with pytest.raises(ValueError, match="xlsx"):
            exporting.export_format(tmp_path / name)

    def test_it_takes_an_existing_folder_or_a_new_path_without_suffix_as_csv(self, tmp_path):
        assert exporting.export_format(tmp_path) == "csv"
        assert exporting.export_format(tmp_path / "new") == "csv"
        assert exporting.export_format(tmp_path / "a.XLSX") == "xlsx"


class TestCommand:
    def test_it_exports_the_whole_registry(self, tmp_path, households, capsys):
        call_command("export_registry", str(tmp_path / "all.xlsx"))
        assert "3 户" in capsys.readouterr().out
        assert len(sheet_rows(tmp_path / "all.xlsx", "户信息")) == 4

    def test_it_exits_2_for_a_wrong_target(self, tmp_path, households):
        with pytest.raises(CommandError) as wrong:
            call_command("export_registry", str(tmp_path / "all.csv"))
        assert wrong.value.returncode == 2
        with pytest.raises(CommandError) as missing:
            call_command("export_registry", str(tmp_path / "no" / "such" / "all.xlsx"))
        assert missing.value.returncode == 2

    def test_it_exits_1_when_excel_cannot_hold_the_registry(self, tmp_path, households, monkeypatch):
        monkeypatch.setattr(exporting, "XLSX_MAX_ROWS", 4)
        with pytest.raises(CommandError) as refused:
            call_command("export_registry", str(tmp_path / "all.xlsx"))
        assert refused.value.returncode == 1
        assert "CSV" in str(refused.value)
