from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from fupin.core.keys import key_rotate


class Command(BaseCommand):
    help = "Add a master key to the key file and make it the active one for new writes."

    def handle(self, *args: Any, **options: Any) -> None:
        ring = key_rotate(Path(settings.FUPIN_KEY_FILE))
        self.stdout.write(f"当前密钥编号 {ring.active}（旧密钥保留以读取旧数据）/ active key is now {ring.active} "
                          "(older keys stay to read older data)")
