"""An import on the command line: a progress bar on a terminal, then the outcome, with the exit status
of RULES.md §7 (0 done, 1 refused because of problems, 2 wrong usage), plus 3: not run because another import was
running (:mod:`.lock`; nothing was written, the same command may simply be run again)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.core.errors import DomainError
from fupin.core.imports.lock import ImportBusy
from fupin.core.imports.outcome import STAGE_READ, ImportOutcome, Progress
from fupin.core.imports.problems import rows_text
from fupin.core.progress import progress_bar

SHOWN_PROBLEMS = 50
EXIT_BUSY = 3
"""Another import was running for longer than this one could wait: nothing was written (bad input is 1)."""
Outcome = TypeVar("Outcome", bound=ImportOutcome)


def import_arguments(parser: CommandParser, *, valid_only: str) -> None:
    """``--valid-only`` (``valid_only`` says what it keeps) and ``--report PATH``."""
    parser.add_argument("--valid-only", action="store_true", help=valid_only)
    parser.add_argument("--report", type=Path, metavar="PATH",
                        help="write the problems workbook (.xlsx) here when there are problems")


def files_present(files: Sequence[Path]) -> None:
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise CommandError(f"文件不存在 / no such file: {', '.join(missing)}", returncode=2)


@contextmanager
def terminal_progress() -> Iterator[Progress]:
    """A progress callback drawing a bar on stderr when it is a terminal (silent otherwise)."""
    with progress_bar(0, STAGE_READ) as bar:
        shown = {"stage": ""}

        def progress(done: int, total: int, stage: str) -> None:
            bar.total = total
            if shown["stage"] != stage:
                shown["stage"] = stage
                bar.set_description(stage)
            bar.update(done - bar.n)

        yield progress


def import_run(load: Callable[[Progress], Outcome]) -> Outcome:
    """Run ``load`` with a terminal progress bar; a refusal of the whole request (no right to import, a
    concurrent change) ends the command with its message, another import running with :data:`EXIT_BUSY`."""
    with terminal_progress() as progress:
        try:
            return load(progress)
        except ImportBusy as exc:
            raise CommandError(exc.message, returncode=EXIT_BUSY) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc


def outcome_print(command: BaseCommand, outcome: ImportOutcome, *, report: Path | None,
                  write_report: Callable[[Path], None]) -> None:
    """What was read past, the problems (the first ones; all in the workbook ``report``), then either the
    refusal (CommandError, exit status 1: nothing was written) or the rows left out. The caller prints
    what was written."""
    for sheet in outcome.ignored_sheets:
        command.stdout.write(f"已忽略工作表 / sheet ignored: {sheet}")
    if outcome.ignored_columns:
        listed = "; ".join(f"{sheet}: {header}" for sheet, header in outcome.ignored_columns)
        command.stdout.write(f"已忽略的列（模板中没有）/ columns ignored (not in the template): {listed}")
    if outcome.problems:
        for problem in outcome.problems[:SHOWN_PROBLEMS]:
            command.stderr.write(problem.message())
        hidden = len(outcome.problems) - SHOWN_PROBLEMS
        if hidden > 0:
            command.stderr.write(f"……另有 {hidden} 个问题未显示（用 --report 写出全部）/ … and {hidden} more problems "
                                 "(--report writes them all)")
        command.stderr.write(f"共 {len(outcome.problems)} 个问题 / {len(outcome.problems)} problems in all")
        if report is not None:
            write_report(report)
            command.stderr.write(f"问题清单已写入 / problems written to {report}")
    if outcome.refused:
        raise CommandError(f"导入被拒绝：共 {len(outcome.problems)} 个问题，未写入任何数据 / import refused: "
                           f"{len(outcome.problems)} problems, nothing was written", returncode=1)
    for sheet, rows in outcome.skipped_rows.items():
        command.stdout.write(f"未导入的行 / rows left out — {sheet}: {rows_text(rows, limit=30)} "
                             f"（共 {len(rows)} 行 / {len(rows)} rows）")
