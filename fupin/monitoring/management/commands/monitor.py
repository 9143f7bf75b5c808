from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.core.errors import DomainError
from fupin.core.output import write_table
from fupin.core.progress import progress_bar
from fupin.monitoring.job_handlers import signal_households_for
from fupin.monitoring.selectors import RESULT_HEADER, result_rows
from fupin.monitoring.services import monitor_county


class Command(BaseCommand):
    help = "Run return-to-poverty monitoring (RULES.md §4) for every monitored household."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--output", type=Path, default=None, help=".csv (UTF-8 with BOM) or .xlsx")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path | None = options["output"]
        if output is not None and output.suffix.lower() not in (".csv", ".xlsx"):
            self.stderr.write(f"输出文件须为 .csv 或 .xlsx / --output must end in .csv or .xlsx: {output}")
            raise SystemExit(2)
        year = options["year"]
        try:
            with progress_bar(2, "防返贫监测", unit="步") as bar:
                run = monitor_county(year, signal_household_ids=signal_households_for(year))
                bar.update(1)
                if output is not None:
                    write_table(output, RESULT_HEADER, result_rows(run))
                bar.update(1)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        totals = "，".join(f"{k} {v}" for k, v in sorted(run.totals.items()))
        self.stdout.write(f"{run.year} 年监测完成：{run.households} 户，其中 {run.at_risk} 户有风险（{totals}），"
                          f"新增预警 {run.cases_opened} 户 / monitored {run.households} households for {run.year}, "
                          f"{run.at_risk} at risk, {run.cases_opened} new cases, run #{run.pk}")
