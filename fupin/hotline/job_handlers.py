"""Jobs the hotline offers: the reminder and escalation sweep (also run by ``fupin hotline-sweep``)."""

from __future__ import annotations

from typing import Any

from fupin.core.jobs import JobReporter, register_job
from fupin.core.models import JobRun
from fupin.hotline.services import hotline_sweep


@register_job("hotline.sweep")
def hotline_sweep_job(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    reporter.set_total(1)
    result = hotline_sweep()
    reporter.advance(1)
    return {"reminded": result.reminded, "escalated": result.escalated, "notifications": result.notifications}
