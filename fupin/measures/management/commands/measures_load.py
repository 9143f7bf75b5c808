"""``fupin measures-load FILE [--valid-only] [--report PATH]``: a department's beneficiary list.

Exit status: 0 recorded, 1 refused because of problems (nothing stored; the problems are printed and,
with ``--report``, written to a workbook with the bad cells marked), 2 wrong usage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.core.errors import DomainError
from fupin.core.progress import progress_bar
from fupin.measures.deliveries import delivery_problems_workbook, measures_load
from fupin.registry.import_problems import rows_text

SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = ("Record the measures of a department's beneficiary list (身份证号, 姓名, 帮扶项目, 金额, 发放日期, 说明). "
            "Nothing is recorded when any row is bad, unless --valid-only.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--valid-only", action="store_true", help="record the valid rows, leave out the bad ones")
        parser.add_argument("--report", type=Path, metavar="PATH", help="write the problems workbook (.xlsx) here")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在 / no such file: {path}", returncode=2)
        with progress_bar(3, "校验 / checking") as bar:
            def progress(done: int, total: int, stage: str) -> None:
                bar.set_description(stage)
                bar.update(done - bar.n)

            try:
                result = measures_load(path, actor=None, valid_only=options["valid_only"], progress=progress)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        for problem in result.problems[:SHOWN_PROBLEMS]:
            self.stderr.write(problem.message())
        if len(result.problems) > SHOWN_PROBLEMS:
            hidden = len(result.problems) - SHOWN_PROBLEMS
            self.stderr.write(f"……另有 {hidden} 个问题未显示 / … and {hidden} more problems")
        if result.problems and options["report"] is not None:
            delivery_problems_workbook(result, path, options["report"])
            self.stderr.write(f"问题清单已写入 / problems written to {options['report']}")
        if result.refused:
            raise CommandError(f"导入被拒绝：共 {len(result.problems)} 个问题，未记录任何措施 / refused: "
                               f"{len(result.problems)} problems, nothing was recorded", returncode=1)
        for rows in result.skipped_rows.values():
            self.stdout.write(f"未导入的行 / rows left out: {rows_text(rows, limit=30)}")
        self.stdout.write(f"已记录帮扶措施 {result.rows} 条 / recorded {result.rows} measures")
