"""``fupin measures-load FILE [--valid-only] [--report PATH]``: a department's beneficiary list.

Exit status: 0 recorded, 1 refused because of problems (nothing stored; the problems are printed and,
with ``--report``, written to a workbook with the bad cells marked), 2 wrong usage, 3 not run because
another import was running (nothing stored; run it again).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fupin.core.imports.cli import files_present, import_arguments, import_run, outcome_print
from fupin.measures.deliveries import delivery_problems_workbook, measures_load


class Command(BaseCommand):
    help = ("Record the measures of a department's beneficiary list (身份证号, 姓名, 帮扶项目, 金额, 发放日期, 说明). "
            "Nothing is recorded when any row is bad, unless --valid-only.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        import_arguments(parser, valid_only="record the valid rows, leave out the bad ones")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        files_present([path])
        result = import_run(lambda progress: measures_load(path, actor=None, valid_only=options["valid_only"],
                                                           progress=progress))
        outcome_print(self, result, report=options["report"],
                      write_report=lambda out: delivery_problems_workbook(result, path, out))
        self.stdout.write(f"已记录帮扶措施 {result.rows} 条 / recorded {result.rows} measures")
