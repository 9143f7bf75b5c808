"""Jobs of the registry: the template import, run in the background for the upload page."""

from __future__ import annotations

from typing import Any

from fupin.core import idnumber
from fupin.core.imports.jobs import job_files, outcome_payload
from fupin.core.imports.problems import Problem
from fupin.core.jobs import JobReporter, register_job
from fupin.core.models import JobRun
from fupin.registry.importing import problems_workbook, registry_import

IMPORT_KIND = "registry.import"
REPORT_DIR = "imports"


# Columns whose values are ID numbers: kept in the job's result (and so on the page) masked. The cell is
# located by sheet, row and column; the problems workbook, the user's own file marked up, keeps it whole.
ID_COLUMNS = frozenset({"身份证号", "户主身份证号"})


def _shown(problem: Problem) -> dict[str, Any]:
    shown = problem.as_dict()
    if problem.column in ID_COLUMNS and problem.value:
        shown["value"] = idnumber.mask(str(problem.value))
    return shown


@register_job(IMPORT_KIND)
def registry_import_job(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    """Payload ``{"paths": [...], "names": [...], "dry_run": bool, "valid_only": bool}``; the actor is the
    user who created the job (none: the system, as on the command line)."""
    paths, names = job_files(job)
    result = registry_import(paths, actor=job.created_by, dry_run=bool(job.params.get("dry_run")),
                             valid_only=bool(job.params.get("valid_only")), progress=reporter.progress, names=names)
    return {
        **outcome_payload(job, result, report_dir=REPORT_DIR, shown=_shown,
                          write_report=lambda out: problems_workbook(result, paths, out, names=names)),
        "counts": result.counts,
        "dry_run": result.dry_run,
    }
