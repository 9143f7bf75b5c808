"""``fupin import-registry FILE... [--valid-only] [--dry-run] [--report PATH]`` (RULES.md §7).

Exit status: 0 imported (or, with ``--dry-run``, would be), 1 refused because of problems (nothing
written; the problems are printed and, with ``--report``, written to a workbook), 2 wrong usage, 3 not run
because another import was running (nothing written; run it again).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fupin.core.imports.cli import files_present, import_arguments, import_run, outcome_print
from fupin.registry.importing import ImportResult, problems_workbook, registry_import


class Command(BaseCommand):
    help = ("Import the standard registry template: one workbook (.xlsx/.xls) or the three CSV files. "
            "Nothing is written when any row is bad, unless --valid-only.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        import_arguments(parser, valid_only="import the valid households; leave out every household with a bad row")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        files: list[Path] = options["files"]
        files_present(files)
        result = import_run(lambda progress: registry_import(files, actor=None, dry_run=options["dry_run"],
                                                             valid_only=options["valid_only"], progress=progress))
        outcome_print(self, result, report=options["report"],
                      write_report=lambda out: problems_workbook(result, files, out))
        self._summary(result)

    def _summary(self, result: ImportResult) -> None:
        c = result.counts
        verb_zh, verb_en = ("将", "would be: ") if result.dry_run else ("", "")
        self.stdout.write(
            f"{verb_zh}新增 {c['households_created']} 户、更新 {c['households_updated']} 户、未变 "
            f"{c['households_unchanged']} 户；成员新增 {c['members_created']}、更新 {c['members_updated']}、未变 "
            f"{c['members_unchanged']}，保留文件中没有的成员 {c['members_kept']}；收支新增 {c['incomes_created']}、更新 "
            f"{c['incomes_updated']}、未变 {c['incomes_unchanged']} / {verb_en}households {c['households_created']} "
            f"created, {c['households_updated']} updated, {c['households_unchanged']} unchanged; members "
            f"{c['members_created']} created, {c['members_updated']} updated, {c['members_unchanged']} unchanged, "
            f"{c['members_kept']} kept (not in the file); incomes {c['incomes_created']} created, "
            f"{c['incomes_updated']} updated, {c['incomes_unchanged']} unchanged")
        if result.dry_run:
            self.stdout.write("试运行，未写入任何数据 / dry run: nothing was written")
