from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.core.keys import key_file_create


class Command(BaseCommand):
    help = "Create the key file (0600) with one fresh master key; never overwrites one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="where to write it (default: FUPIN_KEY_FILE)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"] or settings.FUPIN_KEY_FILE)
        try:
            key_file_create(path)
        except FileExistsError:
            raise CommandError(f"密钥文件已存在，未覆盖：{path} / the key file {path} exists: not overwritten") from None
        self.stdout.write(f"已生成密钥文件 {path}，请另行备份 / key file written to {path}: back it up separately")
