from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.areas.services import divisions_import, read_division_csv
from fupin.core.errors import BadInput


class Command(BaseCommand):
    help = "Load or update divisions from a CSV with columns code,name,level,parent_code (RULES.md §7)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = read_division_csv(options["file"])
            result = divisions_import(rows, source=str(options["file"]))
        except (BadInput, OSError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        self.stdout.write(f"新增 {result.created}，更新 {result.updated}，停用 {result.ended}，未变 {result.unchanged} / "
                          f"created {result.created}, updated {result.updated}, ended {result.ended}, "
                          f"unchanged {result.unchanged}")
