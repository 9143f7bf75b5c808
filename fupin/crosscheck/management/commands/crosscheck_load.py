"""``fupin crosscheck-load DATASET FILE [--valid-only] [--report PATH]`` (RULES.md §7).

Exit status: 0 loaded, 1 refused because of problems (nothing stored; the problems are printed and,
with ``--report``, written to a workbook with the bad cells marked), 2 wrong usage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.core.errors import DomainError
from fupin.core.progress import progress_bar
from fupin.crosscheck.datasets import Dataset
from fupin.crosscheck.loading import list_load, load_problems_workbook
from fupin.registry.import_problems import rows_text

SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = ("Load one department list (IMPORT-TEMPLATE.md) for the cross-check. DATASET is one of: "
            + ", ".join(d.value for d in Dataset) + ". Nothing is stored when any row is bad, unless --valid-only.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", metavar="DATASET", choices=[d.value for d in Dataset])
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--valid-only", action="store_true", help="load the valid rows, leave out the bad ones")
        parser.add_argument("--report", type=Path, metavar="PATH", help="write the problems workbook (.xlsx) here")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在 / no such file: {path}", returncode=2)
        with progress_bar(0, "读取文件 / reading") as bar:
            shown = {"stage": ""}

            def progress(done: int, total: int, stage: str) -> None:
                bar.total = total
                if shown["stage"] != stage:
                    shown["stage"] = stage
                    bar.set_description(stage)
                bar.update(done - bar.n)

            try:
                result = list_load(options["dataset"], path, actor=None, valid_only=options["valid_only"],
                                   progress=progress)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        for sheet, header in result.ignored_columns:
            self.stdout.write(f"已忽略的列 / column ignored: {sheet}: {header}")
        if result.problems:
            for problem in result.problems[:SHOWN_PROBLEMS]:
                self.stderr.write(problem.message())
            hidden = len(result.problems) - SHOWN_PROBLEMS
            if hidden > 0:
                self.stderr.write(f"……另有 {hidden} 个问题未显示 / … and {hidden} more problems")
            if options["report"] is not None:
                load_problems_workbook(result, path, options["report"])
                self.stderr.write(f"问题清单已写入 / problems written to {options['report']}")
        if result.refused:
            raise CommandError(f"导入被拒绝：共 {len(result.problems)} 个问题，未导入任何数据 / load refused: "
                               f"{len(result.problems)} problems, nothing was stored", returncode=1)
        for sheet, rows in result.skipped_rows.items():
            self.stdout.write(f"未导入的行 / rows left out — {sheet}: {rows_text(rows, limit=30)}（共 {len(rows)} 行）")
        self.stdout.write(f"已导入 {Dataset(result.dataset).label} {result.rows} 行（批次 #{result.load_id}）/ loaded "
                          f"{result.rows} rows of {result.dataset} (load #{result.load_id})")
