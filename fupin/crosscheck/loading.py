"""Loading one department list (``fupin crosscheck-load DATASET FILE`` and the upload page).

The import framework (:mod:`fupin.core.imports`) reads and checks the list: the same file formats
(.xlsx/.xls, CSV in UTF-8 or GBK), the same column rules, the same located bilingual problems and
the same problems workbook as the registry import. A list with any bad row is refused whole (nothing
is stored) unless ``valid_only`` was chosen; then the bad rows are left out and named. The rows are
stored in bulk (COPY on PostgreSQL) as a new load; the latest load of a dataset is the one the
cross-check uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from fupin.accounts.access import can, ensure_can
from fupin.accounts.models import Department, User
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.core import sealed
from fupin.core.actors import Viewer
from fupin.core.audit import Action, audit_record
from fupin.core.bulk import insert_rows
from fupin.core.errors import BadInput
from fupin.core.imports.lists import list_check
from fupin.core.imports.lock import STAGE_WAIT, import_transaction
from fupin.core.imports.outcome import STAGE_WRITE, ImportOutcome, Progress, Tracker
from fupin.core.imports.read import ROW
from fupin.core.imports.report import write_problems_workbook
from fupin.crosscheck.datasets import DEPARTMENT_DATASETS, SHEETS, Dataset
from fupin.crosscheck.models import ListLoad, ListRow

STORED = ("load_id", "row_no", "id_number", "name", "event_date", "amount_cents", "year", "text_a", "text_b",
          "id_index")
WRITE_BATCH = 50_000
NOT_YOUR_DATASET = ("您所在的部门不能导入「{label}」名单 / your department may not load the {code} list")


@dataclass
class LoadResult(ImportOutcome):
    dataset: str = ""
    rows: int = 0
    load_id: int | None = None


def datasets_for(user: Viewer | None) -> list[str]:
    """The datasets ``user`` may load: all for the system (None) and district staff (crosscheck.run), else
    those of the departments the user is assigned to as a department officer (department.upload)."""
    if user is None or can(user, Cap.CROSSCHECK_RUN):
        return [d.value for d in Dataset]
    if not user.is_authenticated or not can(user, Cap.DEPARTMENT_UPLOAD):
        return []
    allowed: set[str] = set()
    for assignment in user.active_assignments:
        if assignment.department is not None:
            allowed.update(str(d) for d in DEPARTMENT_DATASETS.get(assignment.department.code, ()))
    return [d.value for d in Dataset if d.value in allowed]


def _department_of(user: User | None, dataset: str) -> Department | None:
    if user is None:
        return None
    for assignment in user.active_assignments:
        department = assignment.department
        if department is not None and dataset in DEPARTMENT_DATASETS.get(department.code, ()):
            return department
    return None


def ensure_may_load(user: User | None, dataset: str) -> None:
    if user is None:
        return
    if not (user.can(Cap.DEPARTMENT_UPLOAD) or user.can(Cap.CROSSCHECK_RUN)):
        ensure_can(user, Cap.DEPARTMENT_UPLOAD)
    if dataset not in datasets_for(user):
        label = Dataset(dataset).label
        raise BadInput(NOT_YOUR_DATASET.format(label=label, code=dataset), code="DATASET_NOT_ALLOWED")


def _cents(text: pl.Expr) -> pl.Expr:
    """"1234.5" → 123450, exactly (no float)."""
    parts = text.str.split_exact(".", 1)
    whole = parts.struct.field("field_0").cast(pl.Int64)
    frac = parts.struct.field("field_1").fill_null("").str.pad_end(2, "0").str.slice(0, 2)
    return whole * 100 + frac.replace("", "00").cast(pl.Int64)


def list_load(dataset: str, path: Path, *, actor: User | None, name: str | None = None, valid_only: bool = False,
              progress: Progress | None = None) -> LoadResult:
    """Check and load one department list. ``actor`` None is the command line."""
    dataset = Dataset(dataset).value
    ensure_may_load(actor, dataset)
    shown = name or path.name
    tracker = Tracker(progress)
    result = LoadResult(dataset=dataset, valid_only=valid_only)
    checked = list_check(path, shown, SHEETS[dataset], result, tracker)
    if checked is None:
        return result
    if result.refused:
        tracker.finish()
        return result
    df = checked.without(result.leave_out(checked.label, checked.bad_rows))
    out = df.select(
        pl.col(ROW).alias("row_no"), pl.col("_id_number").alias("id_number"), pl.col("_name").alias("name"),
        (pl.col("_event_date") if "_event_date" in df.columns else pl.lit(None, dtype=pl.Date)).alias("event_date"),
        (_cents(pl.col("_amount")) if "_amount" in df.columns else pl.lit(None, dtype=pl.Int64)).alias("amount_cents"),
        (pl.col("_year") if "_year" in df.columns else pl.lit(None, dtype=pl.Int64)).alias("year"),
        (pl.col("_text_a") if "_text_a" in df.columns else pl.lit(None, dtype=pl.String)).fill_null("").alias("text_a"),
        (pl.col("_text_b") if "_text_b" in df.columns else pl.lit(None, dtype=pl.String)).fill_null("").alias("text_b"),
    )
    numbers = out.get_column("id_number").to_list()  # sealed, and found again by their index (ADR 0024)
    out = out.with_columns(pl.Series("id_number", sealed.seal_many(numbers), dtype=pl.String),
                           pl.Series("id_index", sealed.index_many(sealed.ID, numbers), dtype=pl.String))
    tracker.report(STAGE_WRITE)
    department = _department_of(actor, dataset)
    with import_transaction(on_wait=lambda: tracker.report(STAGE_WAIT)):
        load = ListLoad.objects.create(
            dataset=dataset, department=department, uploaded_by=actor, file_name=shown[:200],
            area=department.area if department is not None else _county(),
            rows_left_out=sum(len(r) for r in result.skipped_rows.values()))
        written = 0
        for start in range(0, out.height, WRITE_BATCH):
            chunk = out.slice(start, WRITE_BATCH)
            batch = insert_rows(ListRow, STORED, ((load.pk, *r) for r in chunk.iter_rows()))
            written += batch
            tracker.advance(batch)
        load.row_count = written
        load.save(update_fields=["row_count"])
        audit_record(actor=actor, action=Action.IMPORT, obj=load, changes={
            "dataset": dataset, "file": shown, "rows": written, "rows_left_out": load.rows_left_out,
            "department": department.code if department else ""})
    result.rows = written
    result.written = True
    result.load_id = load.pk
    tracker.finish()
    return result


def _county() -> Area | None:
    return Area.objects.filter(level="county", valid_to__isnull=True).order_by("code").first()


def load_problems_workbook(result: LoadResult, path: Path, out: Path, name: str | None = None) -> None:
    """The problems workbook of a department list."""
    sheet = SHEETS[result.dataset]
    write_problems_workbook(result, [path], out, [name or path.name], (sheet,), fallback=sheet)
