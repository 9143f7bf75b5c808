from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.core.backup import backup_restore, manifest_read
from fupin.core.errors import DomainError
from fupin.core.management.commands.verify_audit import verdict
from fupin.core.progress import progress_bar


class Command(BaseCommand):
    help = ("Restore a backup made by `fupin backup` into the configured (empty) database and MEDIA_ROOT: the "
            "manifest and every file's checksum are checked first; then the row counts and the audit chain.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the backup folder / 备份文件夹")
        parser.add_argument("--force", action="store_true",
                            help="replace a database and upload folder that are not empty / 覆盖非空的数据库和上传文件夹")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            files = len(manifest_read(path)["files"])
            with progress_bar(2 * files, "恢复", unit="个文件") as bar:
                result = backup_restore(path, force=options["force"], progress=bar.update)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"已恢复：{result.tables} 张表 {result.rows} 行（与备份一致）、{result.files} 个上传文件 / "
                          f"restored: {result.tables} tables, {result.rows} rows (as in the backup), {result.files} "
                          "uploaded files")
        if result.migrated:
            self.stdout.write(f"备份来自旧版本，已执行 {result.migrated} 个迁移 / the backup was of an older version: "
                              f"{result.migrated} migrations applied")
        if not result.verify.ok:
            raise CommandError(f"数据已恢复，但审计链校验未通过 / restored, but the audit chain does not verify: "
                               f"{verdict(result.verify)}")
        self.stdout.write(verdict(result.verify))
