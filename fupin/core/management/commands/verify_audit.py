from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.core.audit import VerifyResult, audit_verify
from fupin.core.models import AuditEntry
from fupin.core.progress import progress_bar


def verdict(result: VerifyResult) -> str:
    """What the command says of a verification (bilingual)."""
    if result.ok:
        return f"审计链完整，共 {result.checked} 条 / audit chain intact: {result.checked} entries"
    if result.broken_seq is None:
        return f"审计检查点文件 {result.checkpoint_file} 有误 / the checkpoint file {result.checkpoint_file} is wrong: {result.reason}"
    return (f"审计链在第 {result.broken_seq} 条记录处断开 / audit chain broken at entry {result.broken_seq}: "
            f"{result.reason}")


class Command(BaseCommand):
    help = ("Check the audit log's MAC chain and hold it against the signed checkpoints kept outside the database; "
            "exit 1 naming the first broken entry.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--checkpoints", metavar="FILE",
                            help="a checkpoint file to hold the chain against (default: this installation's, in "
                                 "FUPIN_AUDIT_CHECKPOINT_DIR; a copy from another host works too)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["checkpoints"]) if options["checkpoints"] else None
        if path is not None and not path.is_file():
            raise CommandError(f"检查点文件不存在：{path} / no checkpoint file {path}")
        with progress_bar(AuditEntry.objects.count(), "校验审计链", unit="条") as bar:
            result = audit_verify(progress=lambda n: bar.update(n - bar.n), checkpoints=path)
        if not result.ok:
            raise CommandError(verdict(result))
        self.stdout.write(verdict(result))
        if result.checkpoints:
            self.stdout.write(f"已核对 {result.checkpoints} 个签名检查点（{result.checkpoint_file}）/ held against "
                              f"{result.checkpoints} signed checkpoints ({result.checkpoint_file})")
        elif result.checked:
            self.stderr.write(f"尚无签名检查点（{result.checkpoint_file}），无法发现被截去的链尾；请运行 fupin "
                              f"audit-checkpoint / no signed checkpoint yet ({result.checkpoint_file}): a cut tail "
                              "cannot be detected; run fupin audit-checkpoint")
