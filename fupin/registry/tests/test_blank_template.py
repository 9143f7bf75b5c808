"""The blank import template: headers, drop-downs on every coded and yes/no column, text columns, notes."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from fupin.registry import codes, template
from fupin.registry.blank_template import CODE_SHEET, GUIDE_SHEET, registry_template_bytes


@pytest.fixture(scope="module")
def book():
    return load_workbook(BytesIO(registry_template_bytes()))


def listed_values(book, formula: str) -> list[str]:
    """The values a list validation offers: an inline "a,b" list or a range on the code sheet."""
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, cells = formula.split("!")
    assert sheet.strip("'") == CODE_SHEET
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    assert min_col == max_col
    ws = book[CODE_SHEET]
    return [ws.cell(r, min_col).value for r in range(min_row, max_row + 1)]


def validations_by_column(ws) -> dict[str, Any]:
    found = {}
    for dv in ws.data_validations.dataValidation:
        for cells in dv.sqref.ranges:
            min_col, min_row, max_col, max_row = range_boundaries(cells.coord)
            assert min_col == max_col and min_row == 2 and max_row == 1048576, cells.coord
            found[get_column_letter(min_col)] = dv
    return found


def test_it_has_the_three_sheets_with_the_template_s_headers(book):
    assert book.sheetnames[:3] == [s.name for s in template.SHEETS]
    for sheet in template.SHEETS:
        assert tuple(c.value for c in book[sheet.name][1]) == sheet.headers
        assert book[sheet.name].max_row == 1  # blank: headers only
    assert book[CODE_SHEET].sheet_state == "hidden"
    assert book.active.title == "户信息"


def test_it_offers_a_drop_down_with_the_right_list_on_every_coded_and_yes_no_column(book):
    checked = 0
    for sheet in template.SHEETS:
        ws = book[sheet.name]
        found = validations_by_column(ws)
        for i, column in enumerate(sheet.columns, start=1):
            letter = get_column_letter(i)
            if column.kind not in ("code", "codes", "bool"):
                assert letter not in found, (sheet.name, column.header)
                continue
            dv = found[letter]
            assert dv.type == "list" and dv.allow_blank, column.header
            assert listed_values(book, dv.formula1) == list(column.labels), column.header
            assert dv.showErrorMessage == (column.kind != "codes"), column.header  # 其他致贫原因 may hold several
            checked += 1
    assert checked == 10 + 14  # 户信息: 4 coded, 1 multi, 5 yes/no; 家庭成员: 8 coded, 6 yes/no


def test_it_keeps_the_long_lists_on_the_code_sheet(book):
    members = validations_by_column(book["家庭成员"])
    ethnicity = members["E"]  # 民族
    assert ethnicity.formula1.startswith(f"'{CODE_SHEET}'!")
    assert listed_values(book, ethnicity.formula1) == codes.ETHNICITIES
    assert len(codes.ETHNICITIES) == 56
    assert listed_values(book, members["D"].formula1)[0] == "户主"


def test_it_formats_id_number_and_code_columns_as_text(book):
    for sheet in template.SHEETS:
        ws = book[sheet.name]
        for i, column in enumerate(sheet.columns, start=1):
            fmt = ws.column_dimensions[get_column_letter(i)].number_format
            if column.kind in ("text", "id_number", "division", "code", "codes", "bool"):
                assert fmt == "@", (sheet.name, column.header)
            elif column.kind == "money":
                assert fmt == "0.00", column.header
    assert book["家庭成员"].column_dimensions["C"].number_format == "@"  # 身份证号


def test_it_states_each_column_s_rule_in_a_header_comment_and_on_the_guide_sheet(book):
    ws = book["家庭成员"]
    id_comment = ws["C1"].comment.text
    assert "身份证号" in id_comment and "文本" in id_comment and "必填" in id_comment
    assert "残疾时必填" in ws["J1"].comment.text  # 残疾等级
    guide = {(r[0], r[1]): r for r in book[GUIDE_SHEET].iter_rows(min_row=2, values_only=True) if r[1]}
    assert len([k for k in guide if k[0] in {s.name for s in template.SHEETS}]) == sum(
        len(s.columns) for s in template.SHEETS)
    assert guide[("收支情况", "工资性收入")][2:] == ("是", "必填；金额（元），不小于 0，最多两位小数",
                                                  "required; yuan, at least 0, at most two decimals")
    assert guide[("户信息", "脱贫年度")][2] == "视情况"


def test_it_marks_required_headers_in_red(book):
    ws = book["户信息"]
    assert ws["A1"].font.color.rgb.endswith("B3261E")  # 户编号, required
    assert ws["J1"].font.color is None or not str(ws["J1"].font.color.rgb).endswith("B3261E")  # 不愁吃
