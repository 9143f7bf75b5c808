"""``--output`` files of the bulk commands (RULES.md §7): CSV in UTF-8 with BOM, or ``.xlsx``."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from fupin.core.errors import BadInput


def write_table(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "结果") -> int:
    """Write ``rows`` under ``header`` to ``path`` by its extension; returns the row count."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise BadInput(f"输出文件须为 .csv 或 .xlsx：{path.name} / output must be .csv or .xlsx: {path.name}",
                       code="OUTPUT_FORMAT")
    count = 0
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])
                count += 1
        return count
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    try:
        ws = workbook.add_worksheet(sheet)
        bold = workbook.add_format({"bold": True})
        ws.write_row(0, 0, list(header), bold)
        for count, row in enumerate(rows, start=1):
            # Strings stay strings: a household number or ID number must never become a number.
            ws.write_row(count, 0, ["" if v is None else v for v in row])
        ws.freeze_panes(1, 0)
    finally:
        workbook.close()
    return count
