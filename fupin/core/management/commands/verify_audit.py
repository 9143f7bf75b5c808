from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fupin.core.audit import audit_verify
from fupin.core.models import AuditEntry
from fupin.core.progress import progress_bar


class Command(BaseCommand):
    help = "Check the audit log's hash chain; exit 1 naming the first broken entry."

    def handle(self, *args: Any, **options: Any) -> None:
        with progress_bar(AuditEntry.objects.count(), "校验审计链", unit="条") as bar:
            result = audit_verify(progress=lambda n: bar.update(n - bar.n))
        if not result.ok:
            raise CommandError(f"审计链在第 {result.broken_seq} 条记录处断开 / audit chain broken at entry "
                               f"{result.broken_seq}: {result.reason}")
        self.stdout.write(f"审计链完整，共 {result.checked} 条 / audit chain intact: {result.checked} entries")
