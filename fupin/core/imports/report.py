"""The problems workbook: the list of problems, and the submitted sheets with the offending cells marked.

Written with xlsxwriter in constant-memory mode (rows stream to disk), so a county-size file
with a few bad cells costs seconds and little memory. Every copied row keeps the row number it
has in the submitted file, so 「第 12 行」 in the list is row 12 in the copy.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from fupin.core.imports.problems import Problem
from fupin.core.imports.read import PARSE_STOPS, ROW, SheetData, read_inputs
from fupin.core.imports.sheets import Sheet
from fupin.core.output import xlsx_workbook


class ImportResult(Protocol):
    """What the report needs of an import's outcome (:class:`fupin.core.imports.outcome.ImportOutcome`)."""

    problems: list[Problem]
    skipped_rows: dict[str, list[int]]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROBLEMS_SHEET = "问题清单"
SKIPPED_SHEET = "未导入的行"
FULL_COPY_MAX_ROWS = 50_000
"""A sheet longer than this is copied with only its rows that have problems (at their own row numbers):
a full copy of a county register would take minutes to write and open."""
MAX_COMMENTS = 50_000
"""Beyond this many commented cells the cells are still filled red, without a comment (Excel slows down)."""
PROBLEM_HEADERS = ("工作表 / Sheet", "行号 / Row", "列 / Column", "值 / Value", "中文规则", "English rule",
                   "代码 / Code")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def _title(label: str, used: set[str]) -> str:
    base = _BAD_TITLE.sub("_", label)[:31] or "Sheet"
    title, n = base, 2
    while title in used:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


def write_problems_workbook(result: ImportResult, paths: Sequence[Path], out: Path, names: Sequence[str] | None,
                            sheets: Sequence[Sheet], fallback: Sheet | None = None) -> None:
    """An .xlsx with the sheet 问题清单 (sheet, row, column, value, 中文规则, English rule) and copies of the
    submitted sheets (read again as ``sheets``), each offending cell filled red with a comment carrying the
    rule."""
    out.parent.mkdir(parents=True, exist_ok=True)
    shown = list(names) if names is not None else [p.name for p in paths]
    # Cells are written with write_string: a submitted "=HYPERLINK(…)" is copied as text (ADR 0020).
    workbook = xlsx_workbook(str(out), constant_memory=True)
    try:
        formats = {
            "bad": workbook.add_format({"bg_color": "#FF0000", "font_color": "#FFFFFF"}),
            "head": workbook.add_format({"bold": True, "bg_color": "#DDDDDD"}),
            "text": workbook.add_format({"num_format": "@"}),
        }
        used = {PROBLEMS_SHEET, SKIPPED_SHEET}
        # A file whose reading was stopped (time, memory) is not read again just to be copied.
        stopped = any(p.code in PARSE_STOPS for p in result.problems)
        read = [] if stopped else read_inputs(list(paths), shown, sheets, fallback=fallback).sheets
        partial = [d for d in read if d.height > FULL_COPY_MAX_ROWS]
        _problem_list(workbook, result, formats, partial)
        if any(result.skipped_rows.values()):
            _skipped_list(workbook, result, formats)
        marks = _marks(result)
        comments = 0
        for data in read:
            comments = _copy_sheet(workbook, data, marks.get(data.label, {}), formats, _title(data.label, used),
                                   comments, only_marked=data in partial)
    finally:
        workbook.close()


def _problem_list(workbook: Any, result: ImportResult, formats: dict[str, Any], partial: list[SheetData]) -> None:
    sheet = workbook.add_worksheet(PROBLEMS_SHEET)
    for col, header in enumerate(PROBLEM_HEADERS):
        sheet.write_string(0, col, header, formats["head"])
    sheet.set_column(0, 0, 14)
    sheet.set_column(2, 3, 18)
    sheet.set_column(4, 5, 50)
    for row, problem in enumerate(result.problems, start=1):
        sheet.write_string(row, 0, problem.sheet)
        if problem.row is not None:
            sheet.write_number(row, 1, problem.row)
        sheet.write_string(row, 2, problem.column)
        sheet.write_string(row, 3, problem.value, formats["text"])
        sheet.write_string(row, 4, problem.rule_zh)
        sheet.write_string(row, 5, problem.rule_en)
        sheet.write_string(row, 6, problem.code)
    for offset, data in enumerate(partial, start=len(result.problems) + 2):
        sheet.write_string(offset, 0, f"注：「{data.label}」共 {data.height} 行，副本只包含有问题的行（行号与原表一致） / "
                                      f"note: {data.label} has {data.height} rows; its copy holds only the rows "
                                      "with problems, at their own row numbers")
    sheet.freeze_panes(1, 0)


def _skipped_list(workbook: Any, result: ImportResult, formats: dict[str, Any]) -> None:
    sheet = workbook.add_worksheet(SKIPPED_SHEET)
    sheet.write_string(0, 0, "工作表 / Sheet", formats["head"])
    sheet.write_string(0, 1, "未导入的行 / Row left out", formats["head"])
    row = 1
    for label, rows in result.skipped_rows.items():
        for number in rows:
            sheet.write_string(row, 0, label)
            sheet.write_number(row, 1, number)
            row += 1


def _marks(result: ImportResult) -> dict[str, dict[tuple[int, str], list[str]]]:
    """sheet label -> (row, column header) -> the rules broken there."""
    marks: dict[str, dict[tuple[int, str], list[str]]] = defaultdict(lambda: defaultdict(list))
    for problem in result.problems:
        if problem.row is not None and problem.column:
            marks[problem.sheet][(problem.row, problem.column)].append(f"{problem.rule_zh} / {problem.rule_en}")
    return marks


def _copy_sheet(workbook: Any, data: SheetData, marks: dict[tuple[int, str], list[str]], formats: dict[str, Any],
                title: str, comments: int, *, only_marked: bool = False) -> int:
    sheet = workbook.add_worksheet(title)
    position: dict[str, int] = {}
    for index, header in enumerate(data.headers):
        position.setdefault(header, index)
    by_row: dict[int, dict[int, str]] = defaultdict(dict)
    for (row, header), rules in marks.items():
        if header in position:
            by_row[row][position[header]] = "\n".join(rules)

    def write(row: int, cells: Sequence[str | None], is_header: bool = False) -> None:
        nonlocal comments
        bad = by_row.get(row, {})
        for col, value in enumerate(cells):
            fmt = formats["bad"] if col in bad else (formats["head"] if is_header else formats["text"])
            if value is None:
                if col in bad:
                    sheet.write_blank(row - 1, col, None, fmt)
            else:
                sheet.write_string(row - 1, col, value, fmt)
            if col in bad and comments < MAX_COMMENTS:
                sheet.write_comment(row - 1, col, bad[col], {"x_scale": 2, "y_scale": 1.5})
                comments += 1

    write(data.header_row, data.headers, is_header=True)
    columns = [f"c{i}" for i in range(len(data.headers))]
    frame = data.frame.select([ROW, *columns])
    if only_marked:
        frame = frame.filter(pl.col(ROW).is_in(sorted(by_row)))
    for record in frame.iter_rows():
        write(int(record[0]), record[1:])
    sheet.freeze_panes(data.header_row, 0)
    sheet.set_column(0, max(len(columns) - 1, 0), 16)
    return comments
