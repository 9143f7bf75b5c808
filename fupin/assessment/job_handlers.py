"""Background job: a whole-county assessment started from a page or the API."""

from __future__ import annotations

from typing import Any

from fupin.assessment.services import assess_county
from fupin.core.jobs import JobReporter, register_job
from fupin.core.models import JobRun


@register_job("assessment.run")
def run_assessment(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    reporter.set_total(1)
    run = assess_county(int(job.params["year"]), actor=job.created_by)
    reporter.advance(1, message=f"{run.households} 户")
    return {"run": run.pk, "households": run.households, "totals": run.totals}
