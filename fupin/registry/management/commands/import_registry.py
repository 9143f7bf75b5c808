"""``fupin import-registry FILE... [--valid-only] [--dry-run] [--report PATH]`` (RULES.md §7).

Exit status: 0 imported (or, with ``--dry-run``, would be), 1 refused because of problems (nothing
written; the problems are printed and, with ``--report``, written to a workbook), 2 wrong usage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.core.errors import DomainError
from fupin.core.progress import progress_bar
from fupin.registry.import_problems import rows_text
from fupin.registry.importing import ImportResult, problems_workbook, registry_import

SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = ("Import the standard registry template: one workbook (.xlsx/.xls) or the three CSV files. "
            "Nothing is written when any row is bad, unless --valid-only.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument("--valid-only", action="store_true",
                            help="import the valid households; leave out every household with a bad row")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--report", type=Path, metavar="PATH",
                            help="write the problems workbook (.xlsx) here when there are problems")

    def handle(self, *args: Any, **options: Any) -> None:
        files: list[Path] = options["files"]
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise CommandError(f"文件不存在 / no such file: {', '.join(missing)}", returncode=2)
        with progress_bar(0, "读取文件 / reading") as bar:
            shown = {"stage": ""}

            def progress(done: int, total: int, stage: str) -> None:
                bar.total = total
                if shown["stage"] != stage:
                    shown["stage"] = stage
                    bar.set_description(stage)
                bar.update(done - bar.n)

            try:
                result = registry_import(files, actor=None, dry_run=options["dry_run"],
                                         valid_only=options["valid_only"], progress=progress)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        self._notes(result)
        if result.problems:
            self._problems(result)
            if options["report"] is not None:
                problems_workbook(result, files, options["report"])
                self.stderr.write(f"问题清单已写入 / problems written to {options['report']}")
        if result.refused:
            raise CommandError(f"导入被拒绝：共 {len(result.problems)} 个问题，未写入任何数据 / import refused: "
                               f"{len(result.problems)} problems, nothing was written", returncode=1)
        self._summary(result)

    def _notes(self, result: ImportResult) -> None:
        for sheet in result.ignored_sheets:
            self.stdout.write(f"已忽略工作表 / sheet ignored: {sheet}")
        if result.ignored_columns:
            listed = "; ".join(f"{sheet}: {header}" for sheet, header in result.ignored_columns)
            self.stdout.write(f"已忽略的列（模板中没有）/ columns ignored (not in the template): {listed}")

    def _problems(self, result: ImportResult) -> None:
        for problem in result.problems[:SHOWN_PROBLEMS]:
            self.stderr.write(problem.message())
        hidden = len(result.problems) - SHOWN_PROBLEMS
        if hidden > 0:
            self.stderr.write(f"……另有 {hidden} 个问题未显示（用 --report 写出全部）/ … and {hidden} more problems "
                              "(--report writes them all)")
        self.stderr.write(f"共 {len(result.problems)} 个问题 / {len(result.problems)} problems in all")

    def _summary(self, result: ImportResult) -> None:
        c = result.counts
        verb_zh, verb_en = ("将", "would be: ") if result.dry_run else ("", "")
        self.stdout.write(
            f"{verb_zh}新增 {c['households_created']} 户、更新 {c['households_updated']} 户；成员新增 "
            f"{c['members_created']}、更新 {c['members_updated']}，保留文件中没有的成员 {c['members_kept']}；收支新增 "
            f"{c['incomes_created']}、更新 {c['incomes_updated']} / {verb_en}households {c['households_created']} "
            f"created, {c['households_updated']} updated; members {c['members_created']} created, "
            f"{c['members_updated']} updated, {c['members_kept']} kept (not in the file); incomes "
            f"{c['incomes_created']} created, {c['incomes_updated']} updated")
        for sheet, rows in result.skipped_rows.items():
            self.stdout.write(f"未导入的行 / rows left out — {sheet}: {rows_text(rows, limit=30)} "
                              f"（共 {len(rows)} 行 / {len(rows)} rows）")
        if result.dry_run:
            self.stdout.write("试运行，未写入任何数据 / dry run: nothing was written")
