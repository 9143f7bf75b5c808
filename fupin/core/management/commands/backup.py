from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.core.backup import backup_create, backup_media_count
from fupin.core.errors import DomainError
from fupin.core.progress import progress_bar


class Command(BaseCommand):
    help = ("Back up the database (a consistent snapshot; pg_dump on PostgreSQL) and the uploaded files into a new "
            "folder PATH, with a SHA-256 manifest. The key file and the audit checkpoints are not in it: back them "
            "up separately (README).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a new or empty folder / 新的或空的文件夹")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            with progress_bar(1 + backup_media_count(), "备份", unit="个文件") as bar:
                result = backup_create(path, progress=bar.update)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"已备份到 {result.path}：{result.tables} 张表 {result.rows} 行、{result.files} 个文件（{result.size} 字节），"
            f"审计链至第 {result.audit_seq} 条 / backed up to {result.path}: {result.tables} tables, {result.rows} rows, "
            f"{result.files} files ({result.size} bytes), audit chain up to entry {result.audit_seq}")
        self.stdout.write("密钥文件和审计检查点不在备份中，请另行备份 / the key file and the audit checkpoints are not in "
                          "the backup: back them up separately")
