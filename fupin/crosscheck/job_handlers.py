"""Background jobs of the cross-check: loading a department list (the upload page) and a county run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from fupin.core.jobs import JobReporter, register_job
from fupin.core.models import JobRun
from fupin.crosscheck.loading import list_load, load_problems_workbook
from fupin.crosscheck.services import crosscheck_run

LOAD_KIND = "crosscheck.load"
RUN_KIND = "crosscheck.run"
PROBLEM_LIST_LIMIT = 500
REPORT_DIR = "crosscheck"


def _progress(reporter: JobReporter) -> Any:
    def progress(done: int, total: int, stage: str) -> None:
        changed = stage != reporter.job.message or total != reporter.job.total
        reporter.job.message = stage
        reporter.job.done = min(done, total)
        if changed:
            reporter.set_total(total)
        else:
            reporter.beat()
    return progress


@register_job(LOAD_KIND)
def load_job(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    """Payload ``{"dataset", "path", "name", "valid_only"}``; the actor is the user who started the job."""
    params = job.params
    path = Path(params["path"])
    result = list_load(params["dataset"], path, actor=job.created_by, name=params["name"],
                       valid_only=bool(params.get("valid_only")), progress=_progress(reporter))
    report = None
    if result.problems:
        relative = Path(REPORT_DIR) / f"job-{job.pk}-problems.xlsx"
        load_problems_workbook(result, path, Path(settings.MEDIA_ROOT) / relative, params["name"])
        report = relative.as_posix()
    return {
        "dataset": result.dataset, "rows": result.rows, "load": result.load_id, "written": result.written,
        "refused": result.refused, "valid_only": result.valid_only, "problems": len(result.problems),
        "problem_list": [p.as_dict() for p in result.problems[:PROBLEM_LIST_LIMIT]],
        "ignored_columns": [list(c) for c in result.ignored_columns], "skipped_rows": result.skipped_rows,
        "report": report,
    }


@register_job(RUN_KIND)
def run_job(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    run = crosscheck_run(int(job.params["year"]), actor=job.created_by, progress=_progress(reporter))
    return {"run": run.pk, "year": run.year, "found": run.found, "raised": run.raised,
            "already_open": run.already_open, "counts": run.counts}
