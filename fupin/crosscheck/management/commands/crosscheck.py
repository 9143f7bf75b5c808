"""``fupin crosscheck --year Y [--as-of DATE] [--output PATH]`` (RULES.md §5, §7)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.core.errors import DomainError
from fupin.core.output import write_table
from fupin.core.progress import progress_bar
from fupin.crosscheck.selectors import OUTPUT_HEADER, run_rows
from fupin.crosscheck.services import crosscheck_run


class Command(BaseCommand):
    help = "Match the latest load of each department list against the registry and raise the findings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="reference date, YYYY-MM-DD")
        parser.add_argument("--output", type=Path, default=None, help=".csv (UTF-8 with BOM) or .xlsx")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path | None = options["output"]
        if output is not None and output.suffix.lower() not in (".csv", ".xlsx"):
            self.stderr.write(f"输出文件须为 .csv 或 .xlsx / --output must end in .csv or .xlsx: {output}")
            raise SystemExit(2)
        try:
            with progress_bar(4, "数据比对 / cross-check", unit="步") as bar:
                def progress(done: int, total: int, stage: str) -> None:
                    bar.set_description(stage)
                    bar.update(done - bar.n)
                run = crosscheck_run(options["year"], as_of=options["as_of"], progress=progress)
            if output is not None:
                write_table(output, OUTPUT_HEADER, run_rows(run))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        counts = "，".join(f"{k} {v}" for k, v in sorted(run.counts.items()))
        self.stdout.write(f"{run.year} 年比对完成：发现 {run.found} 条（新增 {run.raised}，已在办 {run.already_open}）"
                          f"{'：' + counts if counts else ''} / cross-check of {run.year}: {run.found} found, "
                          f"{run.raised} new, {run.already_open} already open, run #{run.pk}")
