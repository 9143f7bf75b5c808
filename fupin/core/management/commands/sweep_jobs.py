from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from fupin.core.jobs import job_files_purge, job_sweep_stale


class Command(BaseCommand):
    help = ("Mark running jobs whose worker stopped beating as failed and retryable, and delete the uploads and "
            "output files of jobs finished more than JOB_FILES_KEEP_DAYS days ago (for cron).")

    def handle(self, *args: Any, **options: Any) -> None:
        swept = job_sweep_stale()
        self.stdout.write(f"已标记 {swept} 个失联任务 / marked {swept} stale jobs failed")
        purged = job_files_purge()
        days = settings.JOB_FILES_KEEP_DAYS
        self.stdout.write(f"已删除 {purged} 个超过 {days} 天的任务文件 / deleted {purged} job files older than {days} days")
