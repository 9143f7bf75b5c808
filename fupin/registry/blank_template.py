"""The blank import template (IMPORT-TEMPLATE.md): what a clerk downloads to fill in.

Three sheets with the template's headers (required ones in red), each header's rule as a cell
comment and again on a 填写说明 sheet, a drop-down on every coded and yes/no column (the long lists
on a hidden 代码表 sheet), and text format on the ID, number and code columns so Excel does not turn
an ID number into a number that has lost its last digits.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from fupin.core.imports.sheets import Column, Sheet
from fupin.registry import template
from fupin.registry.exporting import TEXT_KINDS, XLSX_MAX_ROWS

_REQUIRED_WHEN = {
    "registered": ("建档立卡贫困户（户属性不是一般农户）必填", "required for registered households (not 一般农户)"),
    "exited": ("脱贫状态为已脱贫时必填", "required when 脱贫状态 is 已脱贫"),
    "disabled": ("健康状况为残疾时必填", "required when 健康状况 is 残疾"),
}
_EXTRA = {
    ("households", "household_no"): ("在本区内唯一", "unique in the district"),
    ("households", "head_id_number"): ("须与「家庭成员」中与户主关系为户主者的身份证号一致",
                                       "must equal the ID number of the member whose 与户主关系 is 户主"),
    ("households", "exit_year"): ("不早于识别年度", "not before 识别年度"),
    ("households", "version"): ("由平台导出时填写，请勿修改；新增的户留空。该户导出后若已在平台上修改，导入将被拒绝，以免覆盖",
                                "written by the platform's export, do not change it; blank for a new household. A "
                                "household changed on the platform after the export is refused, not overwritten"),
    ("members", "household_no"): ("须在「户信息」中或已在系统中", "must exist in 户信息 or already in the registry"),
    ("members", "id_number"): ("全库唯一；性别和出生日期由身份证号得出", "unique in the registry; sex and birth date "
                               "are derived from it"),
    ("members", "relation"): ("每户恰有一名户主", "exactly one 户主 per household"),
    ("incomes", "household_no"): ("须在「户信息」中或已在系统中", "must exist in 户信息 or already in the registry"),
    ("incomes", "year"): ("每户每年一行", "one row per household and year"),
}
_KIND_RULES: dict[str, tuple[str, str]] = {
    "division": ("12 位数字，须为平台已有的村级行政区划代码；按文本填写",
                 "12 digits, a village-level division known to the platform; typed as text"),
    "id_number": ("18 位身份证号（15 位旧号自动升级）；按文本填写，勿让 Excel 变成数字",
                  "an 18-character ID number (15-digit legacy numbers are upgraded); typed as text, never a number"),
    "bool": ("是/否（也可 Y/N、1/0），空白表示不详", "是/否 (also Y/N, 1/0); blank means unknown"),
    "money": ("金额（元），不小于 0，最多两位小数", "yuan, at least 0, at most two decimals"),
}
CODE_SHEET = "代码表"
GUIDE_SHEET = "填写说明"
REQUIRED_FONT = "B3261E"
TEMPLATE_ROWS = XLSX_MAX_ROWS


def column_rule(sheet: Sheet, column: Column) -> tuple[str, str]:
    """The rule of one template column in Chinese and English, as the template's notes state it."""
    zh: list[str] = []
    en: list[str] = []
    if column.required:
        zh.append("必填")
        en.append("required")
    elif column.required_when:
        zh.append(_REQUIRED_WHEN[column.required_when][0])
        en.append(_REQUIRED_WHEN[column.required_when][1])
    if column.kind in _KIND_RULES:
        zh.append(_KIND_RULES[column.kind][0])
        en.append(_KIND_RULES[column.kind][1])
    elif column.kind == "text":
        zh.append(f"文本，最多 {column.max_length} 个字符")
        en.append(f"text, at most {column.max_length} characters")
    elif column.kind in ("year", "int"):
        zh.append(f"{'年份' if column.kind == 'year' else '整数'} {column.min_value}–{column.max_value}")
        en.append(f"{'a year' if column.kind == 'year' else 'a whole number'} {column.min_value}–{column.max_value}")
    elif column.kind == "code":
        zh.append("从下拉列表中选择")
        en.append("one of the drop-down values")
    elif column.kind == "codes":
        zh.append("可填多个，用 、 分隔（下拉列表可选其一）")
        en.append("several allowed, separated by 、 (the drop-down offers one)")
    if (sheet.key, column.key) in _EXTRA:
        zh.append(_EXTRA[(sheet.key, column.key)][0])
        en.append(_EXTRA[(sheet.key, column.key)][1])
    return "；".join(zh), "; ".join(en)


def _code_lists() -> dict[tuple[str, ...], str]:
    """Every drop-down list but 是/否, one column each on the hidden code sheet: labels → range."""
    lists: dict[tuple[str, ...], str] = {}
    for sheet in template.SHEETS:
        for column in sheet.columns:
            if column.kind in ("code", "codes") and column.labels and column.labels not in lists:
                lists[column.labels] = column.header
    return lists


def registry_template_workbook() -> Any:
    """The blank import template: the three sheets with their headers (required ones in red), each
    header's rule as a comment, a drop-down on every coded and yes/no column, text format on the ID,
    number and code columns, a 填写说明 sheet, and the long lists on a hidden 代码表 sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    codes_ws = book.create_sheet(CODE_SHEET)
    ranges: dict[tuple[str, ...], str] = {}
    for i, (labels, title) in enumerate(_code_lists().items(), start=1):
        letter = get_column_letter(i)
        codes_ws.cell(1, i, title)
        for r, label in enumerate(labels, start=2):
            codes_ws.cell(r, i, label)
        ranges[labels] = f"'{CODE_SHEET}'!${letter}$2:${letter}${len(labels) + 1}"
    codes_ws.sheet_state = "hidden"

    fill = PatternFill("solid", fgColor="F0F2F5")
    for sheet in template.SHEETS:
        ws = book.create_sheet(sheet.name)
        for c, column in enumerate(sheet.columns, start=1):
            letter = get_column_letter(c)
            zh, _ = column_rule(sheet, column)
            cell = ws.cell(1, c, column.header)
            cell.font = Font(bold=True, color=REQUIRED_FONT if column.required else None)
            cell.fill = fill
            cell.comment = Comment(f"{column.header}：{zh}", "精准扶贫管理平台", width=260, height=110)
            dimension = ws.column_dimensions[letter]
            dimension.width = 20 if column.kind in ("id_number", "codes") else max(10, 2.2 * len(column.header) + 2)
            if column.kind in TEXT_KINDS:
                dimension.number_format = "@"
            elif column.kind == "money":
                dimension.number_format = "0.00"
            if column.labels:
                ws.add_data_validation(_drop_down(DataValidation, column, ranges, f"{letter}2:{letter}{TEMPLATE_ROWS}"))
        ws.freeze_panes = "A2"
    _guide(book.create_sheet(GUIDE_SHEET))
    book.move_sheet(CODE_SHEET, offset=len(book.sheetnames) - 1)
    book.active = 0
    return book


def _drop_down(factory: Any, column: Column, ranges: dict[tuple[str, ...], str], cells: str) -> Any:
    formula = '"是,否"' if column.kind == "bool" else ranges[column.labels]
    several = column.kind == "codes"
    validation = factory(
        type="list", formula1=formula, allow_blank=True,
        # A cell of 其他致贫原因 may hold several causes, so a typed list is not refused there.
        showErrorMessage=not several, errorStyle="stop", errorTitle=column.header,
        error=f"请从下拉列表中选择{column.header}的值 / choose a value from the list",
        showInputMessage=several, promptTitle=column.header if several else None,
        prompt="可填多个，用 、 分隔 / several, separated by 、" if several else None,
    )
    validation.add(cells)
    return validation


def _guide(ws: Any) -> None:
    from openpyxl.styles import Font

    ws.append(["工作表 / sheet", "列名 / column", "必填 / required", "规则", "rule"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for sheet in template.SHEETS:
        for column in sheet.columns:
            zh, en = column_rule(sheet, column)
            required = "是" if column.required else ("视情况" if column.required_when else "否")
            ws.append([sheet.name, column.header, required, zh, en])
    ws.append([])
    ws.append(["说明", "表头为红色的列必填。每个工作表的列顺序不限；未知的列会被忽略并在导入结果中列出。"
               "也可将三个工作表分别另存为 CSV（UTF-8）后导入。",
               "", "", "Red headers are required. Column order does not matter; unknown columns are ignored "
               "and reported. The three sheets may also be uploaded as CSV files (UTF-8)."])
    for letter, width in zip("ABCDE", (12, 16, 12, 60, 60), strict=True):
        ws.column_dimensions[letter].width = width


TEMPLATE_FILENAME = "建档立卡导入模板.xlsx"


def registry_template_bytes() -> bytes:
    buffer = BytesIO()
    registry_template_workbook().save(buffer)
    return buffer.getvalue()
