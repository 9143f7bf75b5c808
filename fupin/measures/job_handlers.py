"""Background jobs of the measures: a department's delivery list, loaded for the upload page."""

from __future__ import annotations

from typing import Any

from fupin.core.imports.jobs import job_files, outcome_payload
from fupin.core.jobs import JobReporter, register_job
from fupin.core.models import JobRun
from fupin.measures.deliveries import delivery_problems_workbook, measures_load

DELIVERY_KIND = "measures.deliveries"
REPORT_DIR = "measures"


@register_job(DELIVERY_KIND)
def delivery_job(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    """Payload ``{"paths", "names", "valid_only"}``; the actor is the user who started the job."""
    (path,), (name,) = job_files(job)
    result = measures_load(path, actor=job.created_by, name=name, valid_only=bool(job.params.get("valid_only")),
                           progress=reporter.progress)
    return {
        **outcome_payload(job, result, report_dir=REPORT_DIR,
                          write_report=lambda out: delivery_problems_workbook(result, path, out, name)),
        "rows": result.rows,
    }
