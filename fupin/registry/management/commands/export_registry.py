from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.core.errors import BadInput
from fupin.core.progress import progress_bar
from fupin.registry.exporting import export_format, registry_export
from fupin.registry.models import Household


class Command(BaseCommand):
    help = ("Write the whole registry in the standard import template: an .xlsx workbook, or a folder of "
            "three CSV files (RULES.md §7).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="目标 .xlsx 文件或文件夹 / the target .xlsx file or folder")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["path"])
        try:
            export_format(out)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if not out.parent.is_dir():
            raise CommandError(f"目录不存在：{out.parent} / no such directory: {out.parent}", returncode=2)
        with progress_bar(0, "导出建档立卡数据") as bar:
            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            try:
                result = registry_export(Household.objects.all(), out, progress)
            except BadInput as exc:
                raise CommandError(exc.message) from exc
        self.stdout.write(f"已导出 {result.households} 户，{result.members} 人，{result.incomes} 条收支 → {result.path} / "
                          f"exported {result.households} households, {result.members} members, "
                          f"{result.incomes} income rows to {result.path}")
