from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fupin.core.audit import audit_checkpoint
from fupin.core.errors import DomainError


class Command(BaseCommand):
    help = ("Sign the audit chain's head and append it to the checkpoint file outside the database "
            "(FUPIN_AUDIT_CHECKPOINT_DIR), for cron; nothing is written if the last checkpoint names it already.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            outcome = audit_checkpoint()
        except DomainError as exc:
            if exc.code == "AUDIT_EMPTY":
                self.stdout.write(exc.message)
                return
            raise CommandError(exc.message) from None
        seq = outcome.point.seq
        if outcome.written:
            self.stdout.write(f"已签名检查点：第 {seq} 条 / signed checkpoint written: entry {seq}")
        else:
            self.stdout.write(f"链头仍为第 {seq} 条，已有其检查点 / the head is still entry {seq}, checkpointed already")
