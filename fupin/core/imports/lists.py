"""A one-sheet list (a department's list, a delivery list): read and checked cell by cell in one call.

The file is read as ``sheet`` whatever its header row (a missing required column is a problem of the
file), every cell is checked by its column's kind, and the problems go into the caller's outcome.
The caller then checks what only it knows (against its own tables) and writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.utils import timezone

from fupin.core.imports.checks import Findings, check_cells, problems_from_frame
from fupin.core.imports.outcome import STAGE_CHECK, STAGE_READ, ImportOutcome, Tracker
from fupin.core.imports.read import ROW, read_inputs
from fupin.core.imports.sheets import Sheet


@dataclass
class CheckedList:
    label: str
    """Where problems are located: the sheet name in a workbook, the file name for a CSV file."""
    frame: pl.DataFrame
    """``__row``, the text cells under their column keys and the parsed cells (``_<key>``, null when bad)."""
    bad_rows: frozenset[int]
    """The rows with a problem in a cell."""

    @property
    def height(self) -> int:
        return self.frame.height

    def without(self, rows: set[int]) -> pl.DataFrame:
        """The frame without ``rows`` (those left out)."""
        return self.frame.filter(~pl.col(ROW).is_in(sorted(rows))) if rows else self.frame


def list_check(path: Path, name: str, sheet: Sheet, outcome: ImportOutcome, tracker: Tracker, *,
               passes: int = 2) -> CheckedList | None:
    """Read and check the list; its problems are added to ``outcome``. None (the tracker finished) when nothing
    can be checked further: no sheet read, or a problem with the file itself. ``tracker`` counts ``passes``
    times the list's rows: this check is the first pass, the caller's own checks and its write the others."""
    tracker.report(STAGE_READ)
    read = read_inputs([path], [name], (sheet,), fallback=sheet, tick=tracker.report)
    outcome.problems.extend(read.problems)
    outcome.ignored_columns.extend(read.ignored_columns)
    outcome.ignored_sheets.extend(read.ignored_sheets)
    if not read.sheets or outcome.fatal:
        tracker.finish()
        return None
    data = read.sheets[0]
    tracker.total = passes * data.height
    tracker.report(STAGE_CHECK)
    found = Findings()
    df = check_cells(data, found, timezone.localdate())
    tracker.advance(data.height)
    problems = problems_from_frame(found.frame(), [data.label], (sheet,))
    outcome.problems.extend(problems)
    return CheckedList(data.label, df, frozenset(p.row for p in problems if p.row is not None))
