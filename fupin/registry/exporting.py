"""The registry written out in the standard import template (IMPORT-TEMPLATE.md), and the blank template.

Export → import is a no-op: the same sheets, headers and column order as ``template.SHEETS``; codes
as their Chinese labels, yes/no as 是/否 (blank for unknown), 其他致贫原因 joined with 、, 脱贫状态
derived from the workflow state. ID numbers, household numbers, phone numbers and division codes
are written as text cells (an ID number stored as a number has lost its last digits), amounts as
numbers with two decimals.

The registry is streamed: one query per sheet (plus counts), rows fetched in chunks with
``iterator()`` and written as they come. xlsxwriter's ``constant_memory`` mode keeps one row in
memory, so a county of a million members exports in bounded memory. A workbook holds at most
1,048,576 rows per sheet; a larger export must go to a folder of CSV files.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When

from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput
from fupin.registry import template
from fupin.registry.models import Household, IncomeRecord, Member, poverty_status_of
from fupin.registry.template import Column, Sheet

Progress = Callable[[int, int], None]
"""Called with (rows written so far, rows in all) now and then while writing."""

Cell = str | int | Decimal | None
XLSX_MAX_ROWS = 1_048_576
TEXT_KINDS = frozenset({"text", "id_number", "division", "code", "codes", "bool"})
CHUNK = 5000
CSV_NAMES = {sheet.key: f"{sheet.name}.csv" for sheet in template.SHEETS}

TOO_MANY_ROWS = ("「{sheet}」有 {rows} 行，超过 Excel 工作表的上限 {limit} 行，请导出为 CSV 文件夹 / "
                 "sheet {sheet} has {rows} rows, more than an Excel sheet holds ({limit}); export to a CSV folder")
BAD_TARGET = ("导出目标须为 .xlsx 文件或一个文件夹（CSV）：{path} / the export target must be an .xlsx file or a "
              "folder (CSV): {path}")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str  # "xlsx" or "csv"
    households: int
    members: int
    incomes: int


# --- reading: one streaming query per sheet --------------------------------------------------------

# The ORM name of a template column, where it is not the column's key.
_HOUSEHOLD_SOURCES = {"village_code": "village__code", "poverty_status": "status"}
_CHILD_SOURCES = {"household_no": "household__household_no"}


def _labels(column: Column) -> dict[Any, str]:
    if column.choices is None:
        return {}
    return {value: str(label) for value, label in column.choices.choices}


def _converter(column: Column, *, csv_text: bool = False) -> Callable[[Any], Cell]:
    """How a stored value becomes the cell the import reads back (``csv_text``: amounts as "12.30")."""
    if column.key == "poverty_status":
        return poverty_status_of
    if column.kind == "code" and column.choices is not None:
        labels = _labels(column)
        return lambda v: labels.get(v, v) if v else ""
    if column.kind == "codes":
        labels = _labels(column)
        return lambda v: "、".join(labels.get(c, c) for c in v) if v else ""
    if column.kind == "bool":
        return {True: "是", False: "否", None: ""}.__getitem__
    if column.kind in TEXT_KINDS:
        return lambda v: v or ""
    if column.kind == "money" and csv_text:
        return lambda v: "" if v is None else f"{v:.2f}"
    return lambda v: v  # year, int, money: numbers, None for blank


def _rows(queryset: QuerySet[Any], sheet: Sheet, sources: dict[str, str], *, csv_text: bool = False
          ) -> Iterator[list[Cell]]:
    fields = [sources.get(c.key, c.key) for c in sheet.columns]
    converters = list(enumerate(_converter(c, csv_text=csv_text) for c in sheet.columns))
    for row in queryset.values_list(*fields).iterator(chunk_size=CHUNK):
        yield [convert(row[i]) for i, convert in converters]


def _households(households: QuerySet[Household]) -> QuerySet[Household]:
    head_id = Member.objects.filter(household=OuterRef("pk"), relation="head").values("id_number")[:1]
    return households.annotate(head_id_number=Subquery(head_id)).order_by("household_no")


def _members(households: QuerySet[Household]) -> QuerySet[Member]:
    head_first = Case(When(relation="head", then=Value(0)), default=Value(1), output_field=IntegerField())
    return (Member.objects.filter(household__in=households.order_by().values("pk"))
            .annotate(head_first=head_first).order_by("household__household_no", "head_first", "pk"))


def _incomes(households: QuerySet[Household]) -> QuerySet[IncomeRecord]:
    return (IncomeRecord.objects.filter(household__in=households.order_by().values("pk"))
            .order_by("household__household_no", "year"))


def _scope(scope: Any) -> QuerySet[Household]:
    """A Household queryset as it is, or a user: everything that user may see."""
    if isinstance(scope, QuerySet):
        return scope
    return Household.objects.visible_to(scope)


def _sheets(households: QuerySet[Household]) -> list[tuple[Sheet, QuerySet[Any], dict[str, str]]]:
    return [
        (template.HOUSEHOLDS, _households(households), _HOUSEHOLD_SOURCES),
        (template.MEMBERS, _members(households), _CHILD_SOURCES),
        (template.INCOMES, _incomes(households), _CHILD_SOURCES),
    ]


# --- writing -------------------------------------------------------------------------------------


class _Counter:
    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, 0, progress

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % CHUNK == 0:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total)


class _XlsxSheet:
    """One worksheet: each column gets a text, money or whole-number cell writer and column format."""

    def __init__(self, book: Any, sheet: Sheet, formats: dict[str, Any]) -> None:
        self.ws = book.add_worksheet(sheet.name)
        self.formats = formats
        self.writers: list[tuple[int, Callable[[int, int, Any], Any]]] = []
        for c, column in enumerate(sheet.columns):
            self.writers.append((c, self._writer(c, column)))
            self.ws.write_string(0, c, column.header, formats["header"])
        self.ws.freeze_panes(1, 0)

    def _writer(self, c: int, column: Column) -> Callable[[int, int, Any], Any]:
        ws, f = self.ws, self.formats
        if column.kind in TEXT_KINDS:
            # Text-formatted columns: a clerk editing an ID number keeps it text.
            ws.set_column(c, c, 20 if column.kind in ("id_number", "codes") else 14, f["text"])
            return lambda r, c, v: ws.write_string(r, c, v, f["text"])
        if column.kind == "money":
            ws.set_column(c, c, 14, f["money"])
            return lambda r, c, v: ws.write_number(r, c, float(v), f["money"])
        ws.set_column(c, c, 10, f["whole"])
        return lambda r, c, v: ws.write_number(r, c, v, f["whole"])

    def write(self, r: int, row: list[Cell]) -> None:
        for c, write in self.writers:
            value = row[c]
            if value is not None and value != "":
                write(r, c, value)


def _write_xlsx(out: Path, sheets: list[tuple[Sheet, QuerySet[Any], dict[str, str]]], counts: Sequence[int],
                counter: _Counter) -> None:
    for (sheet, _, _), rows in zip(sheets, counts, strict=True):
        if rows + 1 > XLSX_MAX_ROWS:
            raise BadInput(TOO_MANY_ROWS.format(sheet=sheet.name, rows=rows, limit=XLSX_MAX_ROWS - 1),
                           code="EXPORT_TOO_LARGE")
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_numbers": False,
                                          "strings_to_formulas": False, "strings_to_urls": False})
    try:
        formats = {
            "header": book.add_format({"bold": True, "bg_color": "#F0F2F5", "border": 1, "num_format": "@"}),
            "text": book.add_format({"num_format": "@"}),
            "money": book.add_format({"num_format": "0.00"}),
            "whole": book.add_format({"num_format": "0"}),
        }
        for sheet, queryset, sources in sheets:
            ws = _XlsxSheet(book, sheet, formats)
            for r, row in enumerate(_rows(queryset, sheet, sources), start=1):
                ws.write(r, row)
                counter.tick()
    finally:
        book.close()


def _write_csv(folder: Path, sheets: list[tuple[Sheet, QuerySet[Any], dict[str, str]]], counter: _Counter) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for sheet, queryset, sources in sheets:
        # UTF-8 with a byte-order mark, so Excel opens the Chinese correctly (RULES.md §7).
        with (folder / CSV_NAMES[sheet.key]).open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(sheet.headers)
            for row in _rows(queryset, sheet, sources, csv_text=True):
                writer.writerow(row)
                counter.tick()


def export_format(out: Path) -> str:
    """``xlsx`` for a .xlsx path, ``csv`` for a folder (existing, or a path without a suffix)."""
    if out.suffix.lower() == ".xlsx" and not out.is_dir():
        return "xlsx"
    if out.is_dir() or (not out.suffix and not out.exists()):
        return "csv"
    raise ValueError(BAD_TARGET.format(path=out))


def registry_export(scope: Any, out: Path, progress: Progress | None = None, *, actor: Any = None,
                    filters: dict[str, Any] | None = None) -> ExportResult:
    """Write the households of ``scope`` (a Household queryset, or a user: all they may see) with their
    members and incomes to ``out``: an .xlsx workbook, or a folder of three CSV files.

    Raises ValueError for a target that is neither (wrong usage) and BadInput for a sheet too long
    for Excel; an audit entry records who exported what.
    """
    fmt = export_format(out)
    households = _scope(scope)
    sheets = _sheets(households)
    counts = [households.count(), _members(households).count(), _incomes(households).count()]
    counter = _Counter(sum(counts), progress)
    if fmt == "xlsx":
        _write_xlsx(out, sheets, counts, counter)
    else:
        _write_csv(out, sheets, counter)
    counter.finish()
    audit_record(actor=actor, action=Action.EXPORT, object_type="registry.household", object_label="export-registry",
                 changes={"format": fmt, "households": counts[0], "members": counts[1], "incomes": counts[2],
                          "filters": {k: v for k, v in (filters or {}).items() if v}})
    return ExportResult(out, fmt, *counts)


# --- the blank template --------------------------------------------------------------------------

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
