"""One benchmark case, timed in this process; prints a JSON line (used by `make bench`).

A case may prepare untimed work first (generating input files); work whose memory must not count
runs in a child process, since the peak reported is this process's own.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from fupin.core.audit import Action, audit_record, audit_verify
from fupin.core.models import AuditEntry
from fupin.registry.importing import registry_import
from fupin.site.demo import seed_demo

DEMO_HOUSEHOLDS = 20_000
AUDIT_APPENDS = 5_000
IMPORT_HOUSEHOLDS = 300_000


def _seed_demo(_: Any) -> int:
    return seed_demo(households=DEMO_HOUSEHOLDS, seed=7).members


def _audit_append(_: Any) -> int:
    with transaction.atomic():
        for i in range(AUDIT_APPENDS):
            audit_record(actor=None, action=Action.UPDATE, object_type="bench.row", object_id=str(i),
                         changes={"value": [i, i + 1]})
    return AUDIT_APPENDS


def _verify_audit(_: Any) -> int:
    result = audit_verify()
    if not result.ok:
        raise CommandError(result.reason)
    return AuditEntry.objects.count()


def _prepare_import() -> Path:
    """Generate the template files in a child process (not timed, its memory not counted) and empty the
    registry, so the import measured is a first load of a county."""
    out = Path(tempfile.mkdtemp(prefix="fupin-bench-import-"))
    subprocess.run([sys.executable, "-c", "import sys; from fupin.cli import main; sys.exit(main())",  # noqa: S603
                    "registry-generate", str(out), "--households", str(IMPORT_HOUSEHOLDS), "--seed", "7"],
                   check=True, stdout=subprocess.DEVNULL)
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("registry_incomerecord", "registry_member", "registry_household"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)
    return out


def _import_registry(directory: Path) -> int:
    """Rows = members imported (with their households and income rows)."""
    try:
        result = registry_import(sorted(directory.glob("*.csv")), actor=None)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    if not result.written:
        raise CommandError(f"import refused: {len(result.problems)} problems")
    return result.counts["members_created"]


@dataclass(frozen=True)
class Case:
    run: Callable[[Any], int]
    prepare: Callable[[], Any] | None = None


CASES: dict[str, Case] = {
    "seed-demo": Case(_seed_demo),
    "audit-append": Case(_audit_append),
    "verify-audit": Case(_verify_audit),
    "import-registry": Case(_import_registry, _prepare_import),
}


class Command(BaseCommand):
    help = "Run one benchmark case and print its figures as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case", choices=sorted(CASES))

    def handle(self, *args: Any, **options: Any) -> None:
        case = CASES[options["case"]]
        prepared = case.prepare() if case.prepare is not None else None
        started = time.perf_counter()
        rows = case.run(prepared)
        seconds = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(json.dumps({"case": options["case"], "rows": rows, "seconds": round(seconds, 3),
                                      "peak_mib": round(peak_mib, 1)}))
