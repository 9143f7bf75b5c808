"""One benchmark case, timed in this process; prints a JSON line (used by `make bench`)."""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from fupin.core.audit import Action, audit_record, audit_verify
from fupin.core.models import AuditEntry
from fupin.site.demo import seed_demo

DEMO_HOUSEHOLDS = 20_000
AUDIT_APPENDS = 5_000


def _seed_demo() -> int:
    return seed_demo(households=DEMO_HOUSEHOLDS, seed=7).members


def _audit_append() -> int:
    with transaction.atomic():
        for i in range(AUDIT_APPENDS):
            audit_record(actor=None, action=Action.UPDATE, object_type="bench.row", object_id=str(i),
                         changes={"value": [i, i + 1]})
    return AUDIT_APPENDS


def _verify_audit() -> int:
    result = audit_verify()
    if not result.ok:
        raise CommandError(result.reason)
    return AuditEntry.objects.count()


CASES: dict[str, Callable[[], int]] = {
    "seed-demo": _seed_demo,
    "audit-append": _audit_append,
    "verify-audit": _verify_audit,
}


class Command(BaseCommand):
    help = "Run one benchmark case and print its figures as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case", choices=sorted(CASES))

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        rows = CASES[options["case"]]()
        seconds = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(json.dumps({"case": options["case"], "rows": rows, "seconds": round(seconds, 3),
                                      "peak_mib": round(peak_mib, 1)}))
