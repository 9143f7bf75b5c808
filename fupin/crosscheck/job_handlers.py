"""Background jobs of the cross-check: loading a department list (the upload page) and a county run."""

from __future__ import annotations

from typing import Any

from fupin.core.imports.jobs import job_files, outcome_payload
from fupin.core.jobs import JobReporter, register_job
from fupin.core.models import JobRun
from fupin.crosscheck.loading import list_load, load_problems_workbook
from fupin.crosscheck.services import crosscheck_run

LOAD_KIND = "crosscheck.load"
RUN_KIND = "crosscheck.run"
REPORT_DIR = "crosscheck"


@register_job(LOAD_KIND)
def load_job(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    """Payload ``{"dataset", "paths", "names", "valid_only"}``; the actor is the user who started the job."""
    (path,), (name,) = job_files(job)
    result = list_load(job.params["dataset"], path, actor=job.created_by, name=name,
                       valid_only=bool(job.params.get("valid_only")), progress=reporter.progress)
    return {
        **outcome_payload(job, result, report_dir=REPORT_DIR,
                          write_report=lambda out: load_problems_workbook(result, path, out, name)),
        "dataset": result.dataset, "rows": result.rows, "load": result.load_id,
    }


@register_job(RUN_KIND)
def run_job(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    run = crosscheck_run(int(job.params["year"]), actor=job.created_by, progress=reporter.progress)
    return {"run": run.pk, "year": run.year, "found": run.found, "raised": run.raised,
            "already_open": run.already_open, "counts": run.counts}
