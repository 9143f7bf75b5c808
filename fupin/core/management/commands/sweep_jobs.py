from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fupin.core.jobs import job_sweep_stale


class Command(BaseCommand):
    help = "Mark running jobs whose worker stopped beating as failed and retryable (for cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        swept = job_sweep_stale()
        self.stdout.write(f"已标记 {swept} 个失联任务 / marked {swept} stale jobs failed")
