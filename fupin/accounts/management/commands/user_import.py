"""``fupin user-import FILE [--report PATH] [--passwords PATH]``: a roster of new accounts (用户名, 姓名, 联系电话,
角色, 区划代码, 部门代码, 起始日期; .xlsx/.xls or CSV in UTF-8 or GBK), all or nothing.

Every account gets a temporary password to change at the first sign-in: written to ``--passwords`` (.xlsx or
.csv, readable by its owner only), else printed. Exit status: 0 created, 1 refused because of problems (nothing
created; the problems are printed and, with ``--report``, written to a workbook with the bad cells marked), 2
wrong usage, 3 not run because another import was running (nothing created; run it again).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fupin.accounts.roster import credentials_write, roster_load, roster_problems_workbook
from fupin.core.imports.cli import files_present, import_run, outcome_print


class Command(BaseCommand):
    help = "Create the accounts of a roster; nothing is created when any row is bad."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--report", type=Path, metavar="PATH",
                            help="write the problems workbook (.xlsx) here when there are problems")
        parser.add_argument("--passwords", type=Path, metavar="PATH",
                            help="write the temporary passwords here (.xlsx or .csv, mode 0600) instead of printing them")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        files_present([path])
        result = import_run(lambda progress: roster_load(path, actor=None, progress=progress))
        outcome_print(self, result, report=options["report"],
                      write_report=lambda out: roster_problems_workbook(result, path, out))
        self.stdout.write(f"已创建账号 {result.rows} 个 / created {result.rows} accounts")
        if options["passwords"] is not None:
            credentials_write(result, options["passwords"])
            self.stdout.write(f"临时密码已写入 / temporary passwords written to {options['passwords']}")
            return
        for username, name, password in result.credentials:
            self.stdout.write(f"{username}\t{name}\t{password}")
