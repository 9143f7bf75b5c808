from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fupin.core.progress import progress_bar
from fupin.core.sealed import reseal_all, reseal_pending


class Command(BaseCommand):
    help = ("Seal again under the active key every ID and phone number sealed under an older one (run after "
            "key-rotate, so that no value needs an older key to be read).")

    def handle(self, *args: Any, **options: Any) -> None:
        with progress_bar(reseal_pending(), "重新加密 / resealing", unit="项") as bar:
            done = reseal_all(bar.update)
        total = sum(done.values())
        self.stdout.write(f"已用当前密钥重新加密 {total} 项 / {total} values resealed under the active key")
        for label, count in done.items():
            if count:
                self.stdout.write(f"  {label}: {count}")
