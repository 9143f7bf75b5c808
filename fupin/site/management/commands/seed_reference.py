from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from fupin.site.reference import seed_reference


class Command(BaseCommand):
    help = "Load divisions, departments and other reference data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            summary = seed_reference()
        for line in summary:
            self.stdout.write(line)


