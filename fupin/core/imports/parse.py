"""Parsing an import, in the child process :mod:`fupin.core.imports.read` starts: workbooks (python-calamine:
.xlsx, .xls, .ods) and CSV files (polars, UTF-8 or GBK/GB18030), to text columns.

Nothing here runs in a server or worker process: :func:`child_main` is the whole life of a child that limits
its own memory, time and output first, looks at each file (:mod:`fupin.core.imports.safety`) and parses only
what passed, then leaves the frames as Arrow IPC files and the rest as a JSON manifest in its work folder.

Every sheet becomes a polars frame of text cells (stripped; blank cells are null) with the row
number Excel shows for each row, whatever its header position or column order. Numbers in a
workbook are rendered as Excel shows them (15 significant digits); a number in an identity-number
column is rendered in Excel's scientific form (``4.11103E+17``) so the rules recognise it as a
cell whose digits are already lost.
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import chain, islice
from pathlib import Path
from typing import Any

import polars as pl
from python_calamine import CalamineWorkbook

from fupin.core.imports.problems import Problem, make_problem
from fupin.core.imports.safety import ImportLimits, Inspection, Unsafe, inspect
from fupin.core.imports.sheets import Column, Sheet, sheet_for_headers

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
CSV_SUFFIXES = frozenset({".csv", ".txt"})
HEADER_SEARCH_ROWS = 20
"""A header may sit below a title row or two; it is looked for in the first rows."""
READ_BATCH = 50_000
ROW = "__row"
MANIFEST = "manifest.json"
CURRENT = "current"
"""The index of the file the child is reading (so that a child that dies is reported at that file)."""
LOG = "child.log"
EXIT_MEMORY = 3
EXIT_FAILED = 4


@dataclass
class SheetData:
    """One recognised sheet: its template sheet, where it came from, and its cells as text."""

    sheet: Sheet
    label: str
    """Where problems are located: the sheet name in a workbook, the file name for a CSV file."""
    source: str
    """The display name of the file."""
    headers: list[str]
    """The header cells as read, in column order (column i of ``frame`` is ``c{i}``)."""
    header_row: int
    frame: pl.DataFrame
    """``__row`` (the Excel row number) and one text column ``c{i}`` per header cell."""
    columns: dict[str, str] = field(default_factory=dict)
    """Column key -> frame column (``c{i}``) for the sheet's columns present: the column mapping."""

    @property
    def height(self) -> int:
        return self.frame.height


@dataclass
class ReadResult:
    sheets: list[SheetData] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[tuple[str, str]] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ParseJob:
    """What a child is asked to read: the files, the sheets a header row is recognised by (without their
    choices: a child knows no Django app), the limits, and the folder its result goes to."""

    paths: tuple[str, ...]
    names: tuple[str, ...]
    sheets: tuple[Sheet, ...]
    fallback: Sheet | None
    limits: ImportLimits
    workdir: str


def bare_sheet(sheet: Sheet) -> Sheet:
    """``sheet`` with what recognising and reading it needs (headers, keys, kinds, required), picklable anywhere."""
    return Sheet(sheet.name, sheet.key, tuple(Column(c.header, c.key, c.kind, required=c.required)
                                              for c in sheet.columns))


def child_main(job: ParseJob) -> None:
    """The child's whole life: limit itself, read every file, leave the result in ``job.workdir``. A Python
    MemoryError exits with :data:`EXIT_MEMORY`, anything else raised with :data:`EXIT_FAILED`; a native abort or
    a limit's signal ends it as the kernel decides, and the parent reports each."""
    workdir = Path(job.workdir)
    _confine(job.limits, workdir / LOG)
    try:
        result = parse_inputs(job)
        _write_result(result, workdir)
    except MemoryError:
        os._exit(EXIT_MEMORY)
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(EXIT_FAILED)


def _confine(limits: ImportLimits, log: Path) -> None:
    """Address space and written files bounded by the memory limit, CPU time by the time limit on every core (the
    parent also kills the child at the time limit), no core dump of personal data, output to the log."""
    memory = limits.parse_memory_bytes
    _lower(resource.RLIMIT_AS, memory)
    _lower(resource.RLIMIT_FSIZE, memory)
    _lower(resource.RLIMIT_CPU, int(limits.parse_seconds * (os.cpu_count() or 1)) + 10, grace=5)  # SIGXCPU first
    _lower(resource.RLIMIT_CORE, 0)
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    os.close(descriptor)


def _lower(which: int, soft: int, *, grace: int = 0) -> None:
    """Set a limit of this process to ``soft`` (the hard one ``grace`` above it), never above the hard one it has."""
    _, hard = resource.getrlimit(which)
    ceiling = soft + grace
    if hard != resource.RLIM_INFINITY:
        soft, ceiling = min(soft, hard), min(ceiling, hard)
    resource.setrlimit(which, (soft, ceiling))


def _write_result(result: ReadResult, workdir: Path) -> None:
    """Each sheet's frame as Arrow IPC (uncompressed: written and read at memory speed), the rest as JSON."""
    sheets = []
    for index, data in enumerate(result.sheets):
        name = f"sheet-{index}.arrow"
        # One record batch: the parent reads one contiguous chunk per column. With the reader's batches instead,
        # the checks' new columns meet columns in many chunks and polars copies them to align: the million-member
        # import then peaks 400 MB higher and runs longer.
        data.frame.write_ipc(workdir / name, compression="uncompressed", record_batch_size=max(data.height, 1))
        sheets.append({"key": data.sheet.key, "label": data.label, "source": data.source, "headers": data.headers,
                       "header_row": data.header_row, "columns": data.columns, "file": name})
    manifest = {"problems": [p.as_dict() for p in result.problems], "ignored_columns": result.ignored_columns,
                "ignored_sheets": result.ignored_sheets, "sheets": sheets,
                "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    partial = workdir / f"{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    partial.rename(workdir / MANIFEST)


def parse_inputs(job: ParseJob) -> ReadResult:
    """Read every file; file-level problems (unsafe, unreadable, unrecognised, duplicated) are collected, not
    raised. A file is parsed only when the look at it found nothing (:func:`fupin.core.imports.safety.inspect`).

    ``sheets`` are the sheet definitions a header row is recognised by (the registry template's three,
    or a department list's one). With ``fallback`` (a one-sheet format such as a
    department list), a file whose header row matches no definition is read as ``fallback`` anyway:
    a CSV file by its first row, a workbook by its first non-empty sheet, and each missing required
    column is reported (COLUMN_MISSING) rather than the file being "unrecognised"."""
    result = ReadResult()
    workdir = Path(job.workdir)
    for index, (raw_path, name) in enumerate(zip(job.paths, job.names, strict=True)):
        (workdir / CURRENT).write_text(str(index), encoding="ascii")
        path = Path(raw_path)
        suffix = Path(name).suffix.lower() or path.suffix.lower()
        if suffix not in WORKBOOK_SUFFIXES and suffix not in CSV_SUFFIXES:
            result.problems.append(make_problem(name, None, "", "", "FILE_TYPE"))
            continue
        transcoded = workdir / f"utf8-{index}.csv"
        try:
            found = _inspect_file(path, name, suffix, job.limits, transcoded)
        except OSError as exc:
            result.problems.append(make_problem(name, None, "", "", "FILE_UNREADABLE", detail=_short(exc)))
            continue
        if found.problems:
            result.problems.extend(found.problems)
            continue
        if suffix in WORKBOOK_SUFFIXES:
            _read_workbook(path, name, result, job.sheets, job.limits, job.fallback)
        else:
            _read_csv(path if found.encoding == "utf-8" else transcoded, name, result, job.sheets, job.fallback)
        transcoded.unlink(missing_ok=True)
    _check_duplicates(result, job.sheets, empty_code="FILE_EMPTY" if job.fallback is not None else "NO_SHEETS")
    _check_rows(result)
    return result


def _inspect_file(path: Path, name: str, suffix: str, limits: ImportLimits, transcoded: Path) -> Inspection:
    """The look at one file before it is parsed; a CSV file in GB18030 is transcoded to UTF-8 on the way."""
    with path.open("rb") as source:
        if suffix not in CSV_SUFFIXES:
            return inspect(source, name, limits, suffix=suffix)
        with transcoded.open("w+b") as sink:
            return inspect(source, name, limits, suffix=suffix, transcode_to=sink)


def _sheet_names(sheets: Sequence[Sheet]) -> dict[str, str]:
    """The sheets' names for a message: 户信息、家庭成员、收支情况 / 户信息, 家庭成员, 收支情况."""
    return {"sheets_zh": "、".join(s.name for s in sheets), "sheets_en": ", ".join(s.name for s in sheets)}


def _check_duplicates(result: ReadResult, sheets: Sequence[Sheet], empty_code: str) -> None:
    seen: dict[str, SheetData] = {}
    kept: list[SheetData] = []
    for data in result.sheets:
        first = seen.get(data.sheet.key)
        if first is not None:
            result.problems.append(make_problem(data.label, None, "", "", "SHEET_DUPLICATE", other=first.label))
            continue
        seen[data.sheet.key] = data
        kept.append(data)
    result.sheets = kept
    if not kept and not result.problems:
        result.problems.append(make_problem("", None, "", "", empty_code, **_sheet_names(sheets)))


def _check_rows(result: ReadResult) -> None:
    """Sheets that hold no data row at all (a blank template, a header row alone) are a wrong file, never an
    import of nothing that succeeds: each is refused (NO_DATA_ROWS). An empty sheet beside sheets with rows
    is no problem (a workbook without incomes, a CSV set with an empty table)."""
    if result.sheets and all(data.height == 0 for data in result.sheets):
        result.problems.extend(make_problem(data.label, None, "", "", "NO_DATA_ROWS") for data in result.sheets)


# --- workbooks ---------------------------------------------------------------------------------

def _read_workbook(path: Path, name: str, result: ReadResult, sheets: Sequence[Sheet], limits: ImportLimits,
                   fallback: Sheet | None = None) -> None:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet_names = list(workbook.sheet_names)
        before = len(result.sheets)
        for sheet_name in sheet_names:
            _read_worksheet(_limited(workbook, sheet_name, limits), sheet_name, name, result, sheets)
        if fallback is not None and len(result.sheets) == before:
            # Nothing recognised: the first sheet with content is the list, its missing columns reported.
            for sheet_name in sheet_names:
                if sheet_name in result.ignored_sheets:
                    result.ignored_sheets.remove(sheet_name)
                if _read_worksheet(_limited(workbook, sheet_name, limits), sheet_name, name, result, (fallback,),
                                   force=fallback):
                    break
    except Unsafe as refusal:
        result.problems.append(refusal.problem(name))
    except Exception as exc:  # calamine raises its own error types for every kind of broken file
        result.problems.append(make_problem(name, None, "", "", "FILE_UNREADABLE", detail=_short(exc)))


def _limited(workbook: CalamineWorkbook, sheet_name: str, limits: ImportLimits) -> Iterator[list[Any]]:
    """The sheet's rows, refused past the row limit (an .xls or .ods sheet was not measured before parsing)."""
    for number, row in enumerate(workbook.get_sheet_by_name(sheet_name).iter_rows(), start=1):
        if number > limits.max_rows + 1:
            raise Unsafe("TOO_MANY_ROWS", limit=f"{limits.max_rows:,}")
        yield row


def _read_worksheet(rows: Iterator[list[Any]], sheet_name: str, name: str, result: ReadResult,
                    sheets: Sequence[Sheet], *, force: Sheet | None = None) -> bool:
    """Rows come one at a time (row i is Excel row i + 1) and become text columns a batch at a time, so a
    million-row sheet never exists as a million Python lists. ``force``: read the sheet as that definition
    whatever its header row (its first filled row is the header). Returns whether the sheet was read."""
    by_name = force or next((s for s in sheets if s.name == sheet_name.strip()), None)
    head = list(islice(rows, HEADER_SEARCH_ROWS))
    found = _find_header(head, by_name, sheets)
    if found is None:
        result.ignored_sheets.append(sheet_name)
        return False
    index, sheet = found
    headers = [_header_text(v) for v in head[index]]
    id_columns = _column_kinds(sheet, headers)
    batches: list[pl.DataFrame] = []
    batch: list[Sequence[Any]] = []
    first_row = index + 2
    for row in chain(head[index + 1:], rows):
        batch.append(row)
        if len(batch) == READ_BATCH:
            batches.append(_frame_from_rows(batch, len(headers), id_columns, first_row=first_row))
            first_row += len(batch)
            batch = []
    batches.append(_frame_from_rows(batch, len(headers), id_columns, first_row=first_row))
    frame = pl.concat(batches)
    _add_sheet(result, SheetData(sheet, sheet_name, name, headers, index + 1, frame))
    return True


def _find_header(rows: Sequence[Sequence[Any]], by_name: Sheet | None,
                 sheets: Sequence[Sheet]) -> tuple[int, Sheet] | None:
    """The first row that is a header row of ``sheets``: the named sheet's required headers, or any sheet's."""
    first_filled: int | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        headers = [_header_text(v) for v in row]
        if first_filled is None and any(headers):
            first_filled = index
        if by_name is not None:
            required = {c.header for c in by_name.columns if c.required}
            if required <= set(headers):
                return index, by_name
        else:
            sheet = sheet_for_headers(headers, sheets)
            if sheet is not None:
                return index, sheet
    if by_name is not None and first_filled is not None:
        return first_filled, by_name  # named like a known sheet: its missing columns are reported
    return None


def _header_text(value: object) -> str:
    return _render(value, id_column=False) or ""


def _column_kinds(sheet: Sheet, headers: list[str]) -> list[bool]:
    """For each column: is it an identity-number column (numbers there are refused, not rendered)?"""
    id_headers = {c.header for c in sheet.columns if c.kind == "id_number"}
    return [h in id_headers for h in headers]


def _frame_from_rows(rows: Sequence[Sequence[Any]], width: int, id_columns: list[bool], *, first_row: int) -> pl.DataFrame:
    columns: dict[str, list[str | None]] = {f"c{i}": [] for i in range(width)}
    numbers: list[int] = []
    renders = [(f"c{i}", id_columns[i]) for i in range(width)]
    for offset, row in enumerate(rows):
        cells = [_render(row[i], id_column=is_id) if i < len(row) else None for i, (_, is_id) in enumerate(renders)]
        if all(c is None for c in cells):
            continue
        numbers.append(first_row + offset)
        for (key, _), cell in zip(renders, cells, strict=True):
            columns[key].append(cell)
    data: dict[str, pl.Series] = {ROW: pl.Series(ROW, numbers, dtype=pl.Int64)}
    for key, values in columns.items():
        data[key] = pl.Series(key, values, dtype=pl.String)
    return pl.DataFrame(data)


def _render(value: object, *, id_column: bool) -> str | None:
    """A cell as the text a clerk sees in Excel."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        number = float(value)
        if id_column:
            return f"{number:.5E}"  # Excel's own display of a long number: 4.11103E+17
        if math.isfinite(number) and number == int(number) and abs(number) < 1e15:
            return str(int(number))
        return format(number, ".15g")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip() or None


# --- CSV --------------------------------------------------------------------------------------

def _read_csv(source: Path, name: str, result: ReadResult, sheets: Sequence[Sheet],
              fallback: Sheet | None = None) -> None:
    """``source`` is UTF-8 (the file itself, or its GB18030 transcoded by the look at it), rows and columns within
    the limits."""
    try:
        empty = source.stat().st_size == 0
        raw = pl.read_csv(source, has_header=False, infer_schema=False, row_index_name=ROW, row_index_offset=1,
                          truncate_ragged_lines=False, raise_if_empty=False)
    except OSError as exc:
        result.problems.append(make_problem(name, None, "", "", "FILE_UNREADABLE", detail=_short(exc)))
        return
    except pl.exceptions.ComputeError as exc:
        code = "CSV_RAGGED" if "more fields" in str(exc) else "FILE_UNREADABLE"
        result.problems.append(make_problem(name, None, "", "", code, detail=_short(exc)))
        return
    if empty or raw.height == 0:
        result.problems.append(make_problem(name, None, "", "", "FILE_EMPTY"))
        return
    header_cells = raw.row(0)[1:]
    headers = [str(h).strip() if h is not None else "" for h in header_cells]
    sheet = sheet_for_headers(headers, sheets)
    if sheet is None:
        by_stem = next((s for s in sheets if Path(name).stem in (s.name, s.key)), fallback)
        if by_stem is None:
            result.problems.append(make_problem(name, 1, "", "", "SHEET_UNRECOGNISED", **_sheet_names(sheets)))
            return
        sheet = by_stem
    names = [c for c in raw.columns if c != ROW]
    body = raw.slice(1)
    # Only columns with padded cells are stripped: stripping copies a column, and most have none.
    padded = body.select(pl.col(c).str.contains(r"^\s|\s$").any() for c in names).row(0) if names else ()
    frame = body.select(
        pl.col(ROW).cast(pl.Int64),
        *[(pl.col(c).str.strip_chars().replace("", None) if pad else pl.col(c)).alias(f"c{i}")
          for i, (c, pad) in enumerate(zip(names, padded, strict=True))],
    )
    del raw, body
    cells = [f"c{i}" for i in range(len(names))]
    blank = pl.all_horizontal(pl.col(c).is_null() for c in cells)
    if cells and frame.select(blank.any()).item():
        frame = frame.filter(~blank)
    _add_sheet(result, SheetData(sheet, name, name, headers, 1, frame))


def _add_sheet(result: ReadResult, data: SheetData) -> None:
    """Map the sheet's headers to its columns (the column mapping); note unknown and duplicated headers."""
    known = {c.header: c.key for c in data.sheet.columns}
    for index, header in enumerate(data.headers):
        key = known.get(header)
        if key is None:
            if header or data.frame.get_column(f"c{index}").null_count() < data.height:
                result.ignored_columns.append((data.label, header or f"(第 {index + 1} 列 / column {index + 1})"))
            continue
        if key in data.columns:
            result.problems.append(make_problem(data.label, data.header_row, header, "", "COLUMN_DUPLICATE",
                                                header=header))
            continue
        data.columns[key] = f"c{index}"
    for column in data.sheet.columns:
        if column.required and column.key not in data.columns:
            result.problems.append(make_problem(data.label, data.header_row, column.header, "", "COLUMN_MISSING",
                                                header=column.header))
    result.sheets.append(data)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
