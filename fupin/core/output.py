"""Files people open in Excel: the cell helpers every CSV and ``.xlsx`` writer uses, and the ``--output``
files of the bulk commands (RULES.md §7: CSV in UTF-8 with BOM, or ``.xlsx``).

Formula injection (ADR 0020): a spreadsheet reads a text cell that begins with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return as a formula (``=HYPERLINK(…)`` opens a link, ``=cmd|' /C calc'!A0`` runs a
program through DDE). Names, household numbers and department lists come from people outside the office,
so every writer goes through the helpers below:

- ``.xlsx``: :func:`xlsx_write` / :func:`xlsx_row` write text with ``write_string`` (a shared-string cell,
  never a formula) and numbers with ``write_number``: the value is kept exactly, and Excel shows it as text.
- CSV has no cell types: :func:`csv_cell` / :func:`csv_row` put a single quote before such text, and
  :func:`csv_safe_frame` does the same to a polars frame's text columns with one column expression
  (no Python loop per row: batch outputs have a million rows).

Only text is touched: a number (``int``, ``float``, ``Decimal``) is written as a number, negative or not.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import polars as pl
import xlsxwriter

from fupin.core.errors import BadInput

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a text cell as a formula (OWASP, CSV injection)."""
_FORMULA_START = r"^[=+\-@\t\r]"
CSV_ESCAPE = "'"


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: formula-like text gets a leading single quote; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return CSV_ESCAPE + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer``: None as an empty cell, text through :func:`csv_cell`."""
    return ["" if v is None else csv_cell(v) for v in values]


def csv_safe_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`csv_cell` as a polars expression over a text column (nulls stay null)."""
    return pl.when(expr.str.contains(_FORMULA_START)).then(pl.lit(CSV_ESCAPE) + expr).otherwise(expr)


def csv_safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text column made safe by :func:`csv_safe_expr`; other columns as they are."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return frame
    return frame.with_columns(csv_safe_expr(pl.col(name)).alias(name) for name in text)


def csv_write(handle: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """``header`` and ``rows`` to an open text file as CSV, every cell through :func:`csv_cell`; the row count."""
    writer = csv.writer(handle)
    writer.writerow(csv_row(header))
    count = 0
    for row in rows:
        writer.writerow(csv_row(row))
        count += 1
    return count


def csv_write_frame(frame: pl.DataFrame, path: Path, **options: Any) -> None:
    """A polars frame to a CSV file (``options`` as ``DataFrame.write_csv`` takes them), text made safe by
    :func:`csv_safe_frame`."""
    csv_safe_frame(frame).write_csv(path, **options)


def xlsx_write(ws: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """One cell of an xlsxwriter worksheet, typed by the Python value: never ``write()``, which would turn
    text beginning with ``=`` into a formula. None and "" leave the cell blank (with ``fmt``, if any)."""
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        ws.write_string(row, col, value, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float, Decimal)):
        ws.write_number(row, col, float(value), fmt)
    elif isinstance(value, (datetime, date)):
        ws.write_string(row, col, value.isoformat(), fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def xlsx_row(ws: Any, row: int, values: Sequence[Any], fmt: Any = None, *, first_col: int = 0) -> None:
    """A row of cells through :func:`xlsx_write`."""
    for offset, value in enumerate(values):
        xlsx_write(ws, row, first_col + offset, value, fmt)


def xlsx_workbook(target: Any, **options: Any) -> Any:
    """An xlsxwriter workbook that never guesses a cell's type from its text, even if ``write()`` slips in."""
    return xlsxwriter.Workbook(target, {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False, **options})


def write_table(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "结果") -> int:
    """Write ``rows`` under ``header`` to ``path`` by its extension; returns the row count."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise BadInput(f"输出文件须为 .csv 或 .xlsx：{path.name} / output must be .csv or .xlsx: {path.name}",
                       code="OUTPUT_FORMAT")
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            return csv_write(fh, header, rows)
    count = 0
    workbook = xlsx_workbook(str(path), constant_memory=True)
    try:
        ws = workbook.add_worksheet(sheet)
        bold = workbook.add_format({"bold": True})
        xlsx_row(ws, 0, list(header), bold)
        for count, row in enumerate(rows, start=1):
            # Strings stay strings: a household number or ID number must never become a number.
            xlsx_row(ws, count, row)
        ws.freeze_panes(1, 0)
    finally:
        workbook.close()
    return count
