from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from fupin.assessment.selectors import result_header, result_rows
from fupin.assessment.services import assess_county
from fupin.core.errors import DomainError
from fupin.core.output import write_table
from fupin.core.progress import progress_bar


class Command(BaseCommand):
    help = "Run the exit assessment (RULES.md §2) for every household in the register."

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
            with progress_bar(2, "退出评估", unit="步") as bar:
                run = assess_county(options["year"], as_of=options["as_of"])
                bar.update(1)
                if output is not None:
                    # The file speaks the installation's language (Chinese), whatever the shell's.
                    with translation.override(settings.LANGUAGE_CODE):
                        write_table(output, result_header(), result_rows(run))
                bar.update(1)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        totals = "，".join(f"{k} {v}" for k, v in sorted(run.totals.items()))
        self.stdout.write(f"{run.year} 年评估完成：{run.households} 户（{totals}）/ assessed {run.households} "
                          f"households for {run.year}, run #{run.pk}")
