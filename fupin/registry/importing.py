"""The registry import (建档立卡标准模板导入, IMPORT-TEMPLATE.md): read, check every rule, write in bulk.

The pipeline, for one workbook or the three CSV files:

1. read every sheet into text columns (:mod:`fupin.core.imports.read`), noting unknown columns;
2. check each column's own rules (:mod:`fupin.core.imports.checks`) and each sheet's cross-column
   rules (:mod:`import_checks`) over whole columns;
3. inside ONE transaction: load the registry's state (one query per table), check the rules that
   need it (:mod:`import_links`), then either refuse (any problem; nothing is written), or write
   in bulk (:mod:`import_write`) and append one audit entry.

With ``valid_only``, the households with any bad row are left out with all their rows, and the
result names every row left out; problems about the file itself (unreadable, a required column
missing) still refuse the whole import. ``dry_run`` checks and counts but writes nothing.
Re-importing the same file finds the same rows (households by 户编号, members by ID number,
incomes by household and year) and never duplicates them; a row the file does not change is not
written (counted as unchanged), so an import that changes nothing writes nothing, not even its
audit entry. Members of an imported household that the file leaves out are kept, and counted.
One import writes at a time (:func:`fupin.core.imports.lock.import_transaction`): a second one waits
for it, then is refused with "another import is running".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.db import IntegrityError, transaction
from django.utils import timezone

from fupin.accounts.access import ensure_can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.core.audit import Action, audit_record
from fupin.core.errors import ConcurrentChange
from fupin.core.imports.checks import problems_from_frame
from fupin.core.imports.lock import STAGE_WAIT, import_transaction
from fupin.core.imports.outcome import STAGE_CHECK, STAGE_READ, STAGE_WRITE, ImportOutcome, Progress, Tracker
from fupin.core.imports.problems import Problem
from fupin.core.imports.read import ROW, SheetData, read_inputs
from fupin.core.imports.report import write_problems_workbook
from fupin.registry import template
from fupin.registry.import_checks import HH, Checked, check_sheet
from fupin.registry.import_links import RegistryState, check_links, kept_members, stale_problems, with_id_indexes
from fupin.registry.import_write import BulkWriter, Narrow, Stamp, drop_unchanged, load_state, write_all
from fupin.registry.models import Change

STAGE_LINKS = "与平台数据比对 / checking against the registry"
SHEET_KEYS = ("households", "members", "incomes")
COUNT_KEYS = ("households_created", "households_updated", "households_unchanged", "members_created",
              "members_updated", "members_unchanged", "members_kept", "incomes_created", "incomes_updated",
              "incomes_unchanged")
WRITTEN_KEYS = tuple(f"{key}_{verb}" for key in SHEET_KEYS for verb in ("created", "updated"))
IMPORT_RACE = ("数据库拒绝写入（可能有人同时修改了相同的数据），未写入任何数据，请重新导入 / the database refused the "
               "rows (perhaps someone changed the same records meanwhile); nothing was written, import the file again")


@dataclass
class ImportResult(ImportOutcome):
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    dry_run: bool = False

    @property
    def counts_total(self) -> int:
        """Rows created or changed: what the import writes (or, in a dry run, would write)."""
        return sum(self.counts[k] for k in WRITTEN_KEYS)


def registry_import(paths: Sequence[Path], *, actor: User | None, dry_run: bool = False, valid_only: bool = False,
                    progress: Progress | None = None, names: Sequence[str] | None = None) -> ImportResult:
    """Import the standard template. ``actor`` None is the command line (superuser context); a user must hold
    ``registry.import`` and may import only into villages they see. ``names`` are the files' names as the
    user knows them (an upload is stored under another name); they locate problems in CSV files."""
    if actor is not None:
        ensure_can(actor, Cap.REGISTRY_IMPORT)
    paths = [Path(p) for p in paths]
    shown = list(names) if names is not None else [p.name for p in paths]
    tracker = Tracker(progress)
    tracker.report(STAGE_READ)
    read = read_inputs(paths, shown, template.SHEETS, tick=tracker.report)
    result = ImportResult(ignored_columns=read.ignored_columns, ignored_sheets=read.ignored_sheets,
                          valid_only=valid_only, dry_run=dry_run)
    checked = check_sheets(read.sheets, tracker)
    if read.problems:
        # The file itself is wrong (a required column missing...): the rules across rows and against the
        # registry would only repeat that problem row by row.
        result.problems = read.problems + problems_from_frame(checked.found.frame(), _order(checked), template.SHEETS)
        tracker.finish()
        return result
    # Reported before the transaction: a page polling the job row sees this stage; what is reported
    # inside the transaction (the rows written) reaches it through the cache (fupin.core.jobs). After a wait
    # for another import (import_transaction) the stage is reported again.
    tracker.report(STAGE_LINKS)
    stamp = Stamp(actor_id=actor.pk if actor is not None else None, event=Change.Event.IMPORT, source="import",
                  valid_from=timezone.localdate(), reason="、".join(shown)[:200])

    def audit(counts: dict[str, int]) -> None:
        audit_record(actor=actor, action=Action.IMPORT, object_type="registry.household",
                     object_label="import-registry", changes={
                         "files": shown, "counts": counts, "valid_only": valid_only,
                         "rows_left_out": sum(len(r) for r in result.skipped_rows.values())})

    def waited() -> None:
        tracker.report(STAGE_WAIT)

    with import_transaction(on_wait=waited):
        if tracker.stage == STAGE_WAIT:
            tracker.report(STAGE_LINKS)
        write_checked(checked, result, actor=actor, stamp=stamp, tracker=tracker, audit=audit)
    tracker.finish()
    return result


def check_sheets(sheets: Sequence[SheetData], tracker: Tracker) -> Checked:
    """Each sheet's own rules (cells, then the sheet's cross-column rules): the checks that need no registry."""
    tracker.total = 2 * sum(d.height for d in sheets)
    tracker.report(STAGE_CHECK)
    checked = Checked()
    today = timezone.localdate()
    for data in sheets:
        check_sheet(data, checked, today)
        tracker.advance(data.height)
        data.frame = data.frame.clear()  # the text cells are not needed any more: free them early
    return checked


def write_checked(checked: Checked, result: ImportResult, *, actor: User | None, stamp: Stamp, tracker: Tracker,
                  audit: Callable[[dict[str, int]], None], refuse_removed: bool = True,
                  more_rules: Callable[[Checked, RegistryState], list[Problem]] | None = None,
                  narrow: bool = False) -> None:
    """The rules against the registry, then the write: inside the caller's transaction (the import's lock, or an
    edit's), so a refusal, a crash or a race writes nothing. Every way the registry is written comes through here
    (a file, a page, the API, a loop from another module: ADR 0026), so all meet the same rules with the same
    messages, and all leave the same history. ``more_rules`` adds a caller's own refusals (an edit's); ``audit``
    records a write, given its counts. ``narrow`` (a write of a few rows: an edit) reads only the registry rows the
    rows can touch (:class:`~fupin.registry.import_write.Narrow`), not the whole registry."""
    try:
        with transaction.atomic():
            state = load_state(actor, _narrow(checked) if narrow else None)
            check_links(checked, state, refuse_removed=refuse_removed)
            found = checked.found.frame()
            result.problems = problems_from_frame(found, _order(checked), template.SHEETS)
            if more_rules is not None:
                result.problems += more_rules(checked, state)
            if result.problems and not result.valid_only:
                return
            if result.problems:
                result.skipped_rows = _leave_out(checked, found)
            result.counts = _counts(checked, state)
            unchanged, changes = drop_unchanged(checked.frames, checked.present)
            stale = stale_problems(checked, changes)
            if stale:  # never a silent loss of a change made on the platform: the whole file waits (ADR 0026)
                result.problems += stale
                return
            for key, n in unchanged.items():
                result.counts[f"{key}_updated"] -= n
                result.counts[f"{key}_unchanged"] = n
            if result.dry_run or not result.counts_total:
                return
            tracker.report(STAGE_WRITE)
            write_all(checked.frames, checked.present, BulkWriter(tracker.advance), changes, stamp)
            audit(result.counts)
            result.written = True
    except IntegrityError as exc:
        raise ConcurrentChange(IMPORT_RACE) from exc


def _narrow(checked: Checked) -> Narrow:
    """The households and ID numbers the checked rows name."""
    with_id_indexes(checked)
    numbers: set[str] = set()
    indexes: set[str] = set()
    for key, column in (("households", "_head_id_index"), ("members", "_id_index"), ("incomes", "")):
        df = checked.frames.get(key)
        if df is None:
            continue
        numbers.update(df.get_column(HH).drop_nulls().to_list())
        if column:
            indexes.update(df.get_column(column).drop_nulls().to_list())
    return Narrow(tuple(sorted(numbers)), tuple(sorted(indexes)))


def _order(checked: Checked) -> list[str]:
    return [checked.labels[k] for k in SHEET_KEYS if k in checked.labels]


def _leave_out(checked: Checked, found: pl.DataFrame) -> dict[str, list[int]]:
    """Drop every row of a household with any bad row (and each bad row without a household)."""
    bad_households = found.get_column("group").drop_nulls().unique()
    skipped: dict[str, list[int]] = {}
    for key, df in list(checked.frames.items()):
        label = checked.labels[key]
        bad_rows = found.filter(pl.col("sheet") == label).get_column("row").drop_nulls().unique()
        bad = pl.col(HH).is_in(bad_households.implode()).fill_null(False) | pl.col(ROW).is_in(bad_rows.implode())
        left_out = df.filter(bad).get_column(ROW).sort().to_list()
        if left_out:
            skipped[label] = left_out
        checked.frames[key] = df.filter(~bad)
    return skipped


def _counts(checked: Checked, state: Any) -> dict[str, int]:
    """Rows to create and existing rows the file names (all counted as updated until :func:`drop_unchanged`)."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for key, id_column in zip(SHEET_KEYS, ("hh_id", "member_id", "income_id"), strict=True):
        df = checked.frames.get(key)
        if df is None:
            continue
        existing = int(df.get_column(id_column).is_not_null().sum())
        counts[f"{key}_created"] = df.height - existing
        counts[f"{key}_updated"] = existing
    counts["members_kept"] = kept_members(checked, state).height
    return counts


def problems_workbook(result: ImportResult, paths: Sequence[Path], out: Path,
                      names: Sequence[str] | None = None) -> None:
    """An .xlsx with the sheet 问题清单 (sheet, row, column, value, 中文规则, English rule) and copies of the
    submitted sheets, each offending cell filled red with a comment carrying the rule."""
    write_problems_workbook(result, [Path(p) for p in paths], Path(out), names, template.SHEETS)
