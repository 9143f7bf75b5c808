"""``fupin crosscheck-load DATASET FILE [--valid-only] [--report PATH]`` (RULES.md §7).

Exit status: 0 loaded, 1 refused because of problems (nothing stored; the problems are printed and,
with ``--report``, written to a workbook with the bad cells marked), 2 wrong usage, 3 not run because
another import was running (nothing stored; run it again).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fupin.core.imports.cli import files_present, import_arguments, import_run, outcome_print
from fupin.crosscheck.datasets import Dataset
from fupin.crosscheck.loading import list_load, load_problems_workbook


class Command(BaseCommand):
    help = ("Load one department list (IMPORT-TEMPLATE.md) for the cross-check. DATASET is one of: "
            + ", ".join(d.value for d in Dataset) + ". Nothing is stored when any row is bad, unless --valid-only.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", metavar="DATASET", choices=[d.value for d in Dataset])
        parser.add_argument("file", type=Path, metavar="FILE")
        import_arguments(parser, valid_only="load the valid rows, leave out the bad ones")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        files_present([path])
        result = import_run(lambda progress: list_load(options["dataset"], path, actor=None,
                                                       valid_only=options["valid_only"], progress=progress))
        outcome_print(self, result, report=options["report"],
                      write_report=lambda out: load_problems_workbook(result, path, out))
        self.stdout.write(f"已导入 {Dataset(result.dataset).label} {result.rows} 行（批次 #{result.load_id}）/ loaded "
                          f"{result.rows} rows of {result.dataset} (load #{result.load_id})")
