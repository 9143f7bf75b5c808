from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.assessment.policy_yaml import policy_load
from fupin.core.errors import DomainError


class Command(BaseCommand):
    help = "Load policy parameter versions from a YAML file (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            self.stderr.write(f"找不到文件 / no such file: {path}")
            raise SystemExit(2)
        try:
            versions = policy_load(path.read_text(encoding="utf-8"), actor=None)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for v in versions:
            where = v.region.code if v.region else "全部 / all"
            self.stdout.write(f"{v.year} {where} v{v.number} {v.get_status_display()}")
