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
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.http import FileResponse, Http404
from django.utils import timezone

from fupin.accounts.access import can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.core import idnumber
from fupin.core.actors import Viewer
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, DomainError
from fupin.core.imports.report import XLSX_TYPE
from fupin.core.imports.sheets import Column, Sheet
from fupin.core.jobs import JobReporter, job_create, job_live, register_job
from fupin.core.models import JobRun
from fupin.core.output import csv_cell, xlsx_workbook
from fupin.registry import selectors, template
from fupin.registry.models import Household, IncomeRecord, Member, poverty_status_of

Progress = Callable[[int, int], None]
"""Called with (rows written so far, rows in all) now and then while writing."""

Cell = str | int | Decimal | None
XLSX_MAX_ROWS = 1_048_576
TEXT_KINDS = frozenset({"text", "id_number", "division", "code", "codes", "bool"})
CHUNK = 5000
CENT = Decimal("0.01")
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


def _converter(column: Column, *, csv_text: bool = False, mask_ids: bool = False) -> Callable[[Any], Cell]:
    """How a stored value becomes the cell the import reads back (``csv_text``: for a CSV file, amounts with
    two decimals and text made safe from formula injection; ``mask_ids``: ID numbers as 4111**********1234,
    for a reader who may not see them whole)."""
    convert = _cell_converter(column, csv_text=csv_text, mask_ids=mask_ids)
    if csv_text and column.kind in TEXT_KINDS:
        return lambda v: csv_cell(convert(v))  # type: ignore[no-any-return]
    return convert


def _cell_converter(column: Column, *, csv_text: bool, mask_ids: bool) -> Callable[[Any], Cell]:
    if column.kind == "id_number" and mask_ids:
        return lambda v: idnumber.mask(v) if v else ""
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
        return lambda v: None if v is None else Decimal(v).quantize(CENT)  # "12.30", a number, never escaped
    return lambda v: v  # year, int, money: numbers, None for blank


def template_cells(sheet: Sheet, values: Mapping[str, Any]) -> dict[str, str | None]:
    """Stored values (template key -> value as the model holds it) as the cells an import reads: what a page edit
    writes goes through the import's rules as these (ADR 0026). Blank is None, as a blank cell is read."""
    cells: dict[str, str | None] = {}
    for column in sheet.columns:
        if column.key in values:
            cell = _converter(column)(values[column.key])
            cells[column.key] = None if cell is None or cell == "" else str(cell)
    return cells


def _rows(queryset: QuerySet[Any], sheet: Sheet, sources: dict[str, str], *, csv_text: bool = False,
          mask_ids: bool = False) -> Iterator[list[Cell]]:
    fields = [sources.get(c.key, c.key) for c in sheet.columns]
    converters = list(enumerate(_converter(c, csv_text=csv_text, mask_ids=mask_ids) for c in sheet.columns))
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


def _scope(scope: QuerySet[Household] | Viewer) -> QuerySet[Household]:
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
            # Text-formatted columns: a clerk editing an ID number keeps it text. write_string, as
            # fupin.core.output.xlsx_write does: text beginning with "=" stays text (ADR 0020).
            ws.set_column(c, c, 20 if column.kind in ("id_number", "codes") else 14, f["text"])
            return lambda r, c, v: ws.write_string(r, c, v, f["text"])
        if column.kind == "money":
            ws.set_column(c, c, 14, f["money"])
            return lambda r, c, v: ws.write_number(r, c, float(v), f["money"])
        ws.set_column(c, c, 10, f["whole"])
        return lambda r, c, v: ws.write_number(r, c, v, f["whole"])

    def write_cells(self, r: int, row: list[Cell]) -> None:
        for c, write in self.writers:
            value = row[c]
            if value is not None and value != "":
                write(r, c, value)


def _write_xlsx(out: Path, sheets: list[tuple[Sheet, QuerySet[Any], dict[str, str]]], counts: Sequence[int],
                counter: _Counter, mask_ids: bool) -> None:
    for (sheet, _, _), rows in zip(sheets, counts, strict=True):
        if rows + 1 > XLSX_MAX_ROWS:
            raise BadInput(TOO_MANY_ROWS.format(sheet=sheet.name, rows=rows, limit=XLSX_MAX_ROWS - 1),
                           code="EXPORT_TOO_LARGE")
    book = xlsx_workbook(str(out), constant_memory=True)
    try:
        formats = {
            "header": book.add_format({"bold": True, "bg_color": "#F0F2F5", "border": 1, "num_format": "@"}),
            "text": book.add_format({"num_format": "@"}),
            "money": book.add_format({"num_format": "0.00"}),
            "whole": book.add_format({"num_format": "0"}),
        }
        for sheet, queryset, sources in sheets:
            out_sheet = _XlsxSheet(book, sheet, formats)
            for r, row in enumerate(_rows(queryset, sheet, sources, mask_ids=mask_ids), start=1):
                out_sheet.write_cells(r, row)
                counter.tick()
    finally:
        book.close()


def _write_csv(folder: Path, sheets: list[tuple[Sheet, QuerySet[Any], dict[str, str]]], counter: _Counter,
               mask_ids: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for sheet, queryset, sources in sheets:
        # UTF-8 with a byte-order mark, so Excel opens the Chinese correctly (RULES.md §7).
        with (folder / CSV_NAMES[sheet.key]).open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(sheet.headers)
            for row in _rows(queryset, sheet, sources, csv_text=True, mask_ids=mask_ids):
                writer.writerow(row)  # text cells went through csv_cell (_converter)
                counter.tick()


def export_format(out: Path) -> str:
    """``xlsx`` for a .xlsx path, ``csv`` for a folder (existing, or a path without a suffix)."""
    if out.suffix.lower() == ".xlsx" and not out.is_dir():
        return "xlsx"
    if out.is_dir() or (not out.suffix and not out.exists()):
        return "csv"
    raise ValueError(BAD_TARGET.format(path=out))


def registry_export(scope: QuerySet[Household] | Viewer, out: Path, progress: Progress | None = None, *, actor: User | None = None,
                    filters: dict[str, Any] | None = None, mask_ids: bool = False) -> ExportResult:
    """Write the households of ``scope`` (a Household queryset, or a user: all they may see) with their
    members and incomes to ``out``: an .xlsx workbook, or a folder of three CSV files.

    Raises ValueError for a target that is neither (wrong usage) and BadInput for a sheet too long
    for Excel; an audit entry records who exported what. With ``mask_ids`` the ID numbers are masked
    (for a reader without registry.view_full_id); such a file cannot be imported back.
    """
    fmt = export_format(out)
    households = _scope(scope)
    sheets = _sheets(households)
    counts = [households.count(), _members(households).count(), _incomes(households).count()]
    counter = _Counter(sum(counts), progress)
    if fmt == "xlsx":
        _write_xlsx(out, sheets, counts, counter, mask_ids)
    else:
        _write_csv(out, sheets, counter, mask_ids)
    counter.finish()
    audit_record(actor=actor, action=Action.EXPORT, object_type="registry.household", object_label="export-registry",
                 changes={"format": fmt, "masked_id_numbers": mask_ids, "households": counts[0], "members": counts[1], "incomes": counts[2],
                          "filters": {k: v for k, v in (filters or {}).items() if v}})
    return ExportResult(out, fmt, *counts)



# --- exports too large to answer at once: a background job -----------------------------------------

EXPORT_KIND = "registry.export"
EXPORT_FILE = "建档立卡导出.xlsx"
TOO_LARGE_FOR_REQUEST = ("{n} 户超过一次请求可导出的上限 {limit} 户，请在名册页面导出（后台生成）或用命令 "
                         "fupin export-registry / {n} households are more than one request exports ({limit}); export "
                         "from the household list page (a background job) or with fupin export-registry")
EXPORTER_GONE = "发起导出的用户已不存在 / the user who started the export no longer exists"
FILTER_KEYS = ("q", "township", "village", "status", "attribute")


def export_households(user: Viewer, filters: dict[str, Any]) -> QuerySet[Household]:
    """What ``user`` may see, narrowed by the household list's filters (q, township, village, status, attribute)."""
    return selectors.household_filter(user, **{k: v for k, v in filters.items() if k in FILTER_KEYS and v})


class ExportTooLarge(BadInput):
    code = "EXPORT_TOO_LARGE"
    status = 413


def ensure_direct_export(households: QuerySet[Household]) -> None:
    """Refuse to answer one request with more than REGISTRY_EXPORT_DIRECT_MAX households."""
    n, limit = households.count(), int(settings.REGISTRY_EXPORT_DIRECT_MAX)
    if n > limit:
        raise ExportTooLarge(TOO_LARGE_FOR_REQUEST.format(n=n, limit=limit))


def registry_export_start(*, actor: User | None, filters: dict[str, Any]) -> JobRun:
    return job_create(kind=EXPORT_KIND, title="导出建档立卡数据 / registry export", actor=actor,
                      params={"filters": {k: v for k, v in filters.items() if k in FILTER_KEYS and v}})


@register_job(EXPORT_KIND)
def export_job(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    """Writes the starter's export under MEDIA_ROOT/exports/<uuid>/; the scope is the starter's, now."""
    user = job.created_by
    if user is None:
        raise DomainError(EXPORTER_GONE, code="EXPORTER_GONE")
    filters = dict(job.params.get("filters") or {})
    folder = Path(settings.MEDIA_ROOT) / "exports" / uuid.uuid4().hex
    folder.mkdir(parents=True)

    def progress(done: int, total: int) -> None:
        if reporter.job.total != total:
            reporter.set_total(total)
        reporter.job.done = done
        reporter.beat()

    result = registry_export(export_households(user, filters), folder / EXPORT_FILE, progress, actor=user,
                             filters=filters, mask_ids=not can(user, Cap.REGISTRY_FULL_ID))
    return {"file": str((folder / EXPORT_FILE).relative_to(settings.MEDIA_ROOT)), "households": result.households,
            "members": result.members, "incomes": result.incomes}


def export_job_get(user: Viewer, pk: int) -> JobRun:
    """An export job, for the user who started it only (it holds personal data); else 404."""
    job = JobRun.objects.filter(pk=pk, kind=EXPORT_KIND).first()
    if job is None or not getattr(user, "is_authenticated", False) or job.created_by_id != user.pk:
        raise Http404("not found")
    return job_live(job)


def export_file_path(job: JobRun) -> Path:
    relative = (job.result or {}).get("file") if job.status == JobRun.Status.SUCCEEDED else None
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / str(relative)).resolve() if relative else root
    if not relative or not path.is_relative_to(root) or not path.is_file():
        raise Http404("no file")
    return path


# --- answering a request with the file -------------------------------------------------------------



def export_filename() -> str:
    return f"建档立卡-{timezone.localdate():%Y%m%d}.xlsx"


def export_response(households: QuerySet[Household], *, actor: User | None, filters: dict[str, Any]) -> FileResponse:
    """The export as an .xlsx download, written to a temporary file first (deleted once sent)."""
    folder = Path(tempfile.mkdtemp(prefix="fupin-export-"))
    try:
        registry_export(households, folder / EXPORT_FILE, actor=actor, filters=filters,
                        mask_ids=not can(actor, Cap.REGISTRY_FULL_ID))
        handle = (folder / EXPORT_FILE).open("rb")
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the open handle still reads the unlinked file (POSIX)
    return FileResponse(handle, as_attachment=True, filename=export_filename(), content_type=XLSX_TYPE)
