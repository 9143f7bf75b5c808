from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fupin.assessment.policy_yaml import policy_dump


class Command(BaseCommand):
    help = "Print the latest policy parameter versions as YAML (what policy-load reads)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(policy_dump(options["year"]), ending="")
