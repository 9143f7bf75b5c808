"""Background jobs: a whole-county assessment, and a trial run under a draft parameter version."""

from __future__ import annotations

from typing import Any

from fupin.assessment.models import PolicyVersion
from fupin.assessment.services import assess_county
from fupin.core.jobs import JobReporter, register_job
from fupin.core.models import JobRun


@register_job("assessment.run")
def run_assessment(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    reporter.set_total(1)
    run = assess_county(int(job.params["year"]), actor=job.created_by)
    reporter.advance(1, message=f"{run.households} 户")
    return {"run": run.pk, "households": run.households, "totals": run.totals}


@register_job("assessment.preview")
def run_preview(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    reporter.set_total(1)
    draft = PolicyVersion.objects.get(pk=job.params["version"])
    run = assess_county(draft.year, actor=job.created_by, draft=draft)
    reporter.advance(1, message=f"{run.households} 户")
    return {"run": run.pk, "households": run.households, "totals": run.totals}
