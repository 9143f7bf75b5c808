from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.registry.generate import registry_generate


class Command(BaseCommand):
    help = ("Write a large synthetic registry in the standard template (households.csv, members.csv, "
            "incomes.csv) for benchmarks and tests: fake people in the demo villages.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out_dir", type=Path)
        parser.add_argument("--households", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2018)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["households"] < 1:
            raise CommandError("--households 至少为 1 / --households must be at least 1", returncode=2)
        try:
            result = registry_generate(options["out_dir"], households=options["households"], seed=options["seed"])
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已生成 {result.households} 户，{result.members} 人，{result.incomes} 条收支 / generated "
                          f"{result.households} households, {result.members} members, {result.incomes} income rows")
        for path in result.paths:
            self.stdout.write(f"  {path}")
