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
from fupin.site.bench_registry import registry_bulk_generate, registry_search_timings
from fupin.site.demo import seed_demo

DEMO_HOUSEHOLDS = 20_000
AUDIT_APPENDS = 5_000
SEARCH_MEMBERS = 1_000_000


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


def _registry_search() -> dict[str, Any]:
    """The household list at county size: seconds = the searches only (not the generation)."""
    data = registry_bulk_generate(members=SEARCH_MEMBERS)
    timings = registry_search_timings(data)
    return {"rows": data.members, "seconds": round(sum(t.seconds for t in timings), 3),
            "searches": [{"label": t.label, "found": t.found, "ms": round(t.seconds * 1000, 1)} for t in timings]}


CASES: dict[str, Callable[[], int | dict[str, Any]]] = {
    "seed-demo": _seed_demo,
    "audit-append": _audit_append,
    "verify-audit": _verify_audit,
    "registry-search": _registry_search,
}


class Command(BaseCommand):
    help = "Run one benchmark case and print its figures as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case", choices=sorted(CASES))

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        result = CASES[options["case"]]()
        seconds = time.perf_counter() - started
        figure = result if isinstance(result, dict) else {"rows": result, "seconds": round(seconds, 3)}
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(json.dumps({"case": options["case"], **figure, "peak_mib": round(peak_mib, 1)},
                                     ensure_ascii=False))
