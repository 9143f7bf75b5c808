from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fupin.hotline.services import hotline_sweep


class Command(BaseCommand):
    help = ("Remind units of hotline tickets nearing their deadline and escalate overdue ones to the district "
            "office (for cron, e.g. every 15 minutes; a ticket is reminded and escalated once per deadline).")

    def handle(self, *args: Any, **options: Any) -> None:
        result = hotline_sweep()
        self.stdout.write(f"临期提醒 {result.reminded} 件，超期督办 {result.escalated} 件，通知 {result.notifications} 条 / "
                          f"reminded {result.reminded}, escalated {result.escalated}, "
                          f"{result.notifications} notifications")
