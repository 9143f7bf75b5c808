from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from fupin.core.progress import progress_bar
from fupin.projects.models import Project
from fupin.projects.report import monthly_report
from fupin.projects.selectors import behind_schedule, idle_funds


class Command(BaseCommand):
    help = ("Write the monthly project-funds report (spending per fund source and project, idle funds, "
            "projects behind schedule) as .xlsx, for the whole installation.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--month", type=int, required=True)
        parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                            help="reference day of the alerts, YYYY-MM-DD (default today)")
        parser.add_argument("--output", type=Path, required=True, help="an .xlsx file")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        if output.suffix.lower() != ".xlsx" or not 1 <= options["month"] <= 12:
            self.stderr.write("--output 须为 .xlsx 文件，--month 须为 1-12 / --output must end in .xlsx and "
                              "--month be 1-12")
            raise SystemExit(2)
        as_of = options["as_of"] or timezone.localdate()
        projects = Project.objects.all()
        with progress_bar(1, "项目资金月报", unit="份") as bar:
            output.write_bytes(monthly_report(projects, year=options["year"], month=options["month"],
                                              unit="全部区域", as_of=as_of))
            bar.update(1)
        idle, late = len(idle_funds(projects, as_of=as_of)), len(behind_schedule(projects, as_of=as_of))
        self.stdout.write(f"月报已写入 {output}：资金滞留 {idle} 个项目，进度滞后 {late} 个项目 / report written to "
                          f"{output}: {idle} projects with idle funds, {late} behind schedule")
