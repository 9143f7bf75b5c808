"""Jobs of the registry: the template import, run in the background for the upload page."""

from __future__ import annotations

from typing import Any

from fupin.core.imports.jobs import job_files, outcome_payload
from fupin.core.jobs import JobReporter, register_job
from fupin.core.models import JobRun
from fupin.registry.importing import problems_workbook, registry_import

IMPORT_KIND = "registry.import"
REPORT_DIR = "imports"


@register_job(IMPORT_KIND)
def registry_import_job(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    """Payload ``{"paths": [...], "names": [...], "dry_run": bool, "valid_only": bool}``; the actor is the
    user who created the job (none: the system, as on the command line)."""
    paths, names = job_files(job)
    result = registry_import(paths, actor=job.created_by, dry_run=bool(job.params.get("dry_run")),
                             valid_only=bool(job.params.get("valid_only")), progress=reporter.progress, names=names)
    return {
        **outcome_payload(job, result, report_dir=REPORT_DIR,
                          write_report=lambda out: problems_workbook(result, paths, out, names=names)),
        "counts": result.counts,
        "dry_run": result.dry_run,
    }
