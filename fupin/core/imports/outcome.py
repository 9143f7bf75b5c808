"""What an import ends with, and how it reports its progress.

Every importer (the registry template, a department list, a department's delivery list) returns an
:class:`ImportOutcome` (or a subclass with its own counts): the located problems, the columns and
sheets read past, and the rows left out. The rule is the same everywhere: any problem refuses the
whole file (nothing is written) unless the caller asked for the valid rows only; then the rows with
problems are left out and named, but a problem with the file itself (:data:`FILE_LEVEL`) still
refuses it.

Progress goes to a ``(done, total, stage)`` callback: a terminal bar on the command line
(:mod:`fupin.core.imports.cli`), the job row for an upload page (:mod:`fupin.core.imports.jobs`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from fupin.core.imports.problems import FILE_LEVEL, Problem

Progress = Callable[[int, int, str], None]
STAGE_READ = "读取文件 / reading"
STAGE_CHECK = "校验 / checking"
STAGE_WRITE = "写入 / writing"
STAGE_DONE = "完成 / done"


@dataclass
class ImportOutcome:
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[tuple[str, str]] = field(default_factory=list)
    """(sheet, header) of every column the format does not know: read past, not imported."""
    ignored_sheets: list[str] = field(default_factory=list)
    """Workbook sheets that are none of the format's (an instructions sheet, drop-down lists)."""
    skipped_rows: dict[str, list[int]] = field(default_factory=dict)
    """Sheet -> Excel rows left out (only with ``valid_only``)."""
    valid_only: bool = False
    written: bool = False

    @property
    def fatal(self) -> bool:
        """A problem with the file itself (unreadable, a required column missing): refuses even with
        ``valid_only``."""
        return any(p.code in FILE_LEVEL for p in self.problems)

    @property
    def refused(self) -> bool:
        """The import was (in a dry run: would be) refused whole because of problems."""
        return bool(self.problems) and (not self.valid_only or self.fatal)

    def leave_out(self, label: str, rows: Iterable[int | None]) -> set[int]:
        """Note the rows of sheet ``label`` left out (valid-only); returns them as a set."""
        left_out = {r for r in rows if r is not None}
        if left_out:
            self.skipped_rows[label] = sorted(left_out)
        return left_out


class Tracker:
    """Counts work done against a total and passes it, with the stage, to a :data:`Progress` callback."""

    def __init__(self, callback: Progress | None, total: int = 0) -> None:
        self.callback = callback
        self.done = 0
        self.total = total
        self.stage = STAGE_READ

    def report(self, stage: str | None = None) -> None:
        if stage is not None:
            self.stage = stage
        if self.callback is not None:
            self.callback(min(self.done, self.total), self.total, self.stage)

    def advance(self, n: int) -> None:
        self.done += n
        self.report()

    def finish(self) -> None:
        self.done = self.total
        self.report(STAGE_DONE)
