"""Jobs of the registry: the template import, run in the background for the upload page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from fupin.core import idnumber
from fupin.core.jobs import JobReporter, register_job
from fupin.core.models import JobRun
from fupin.registry.import_problems import Problem
from fupin.registry.importing import problems_workbook, registry_import

PROBLEM_LIST_LIMIT = 500
REPORT_DIR = "imports"


# Columns whose values are ID numbers: kept in the job's result (and so on the page) masked. The cell is
# located by sheet, row and column; the problems workbook, the user's own file marked up, keeps it whole.
ID_COLUMNS = frozenset({"身份证号", "户主身份证号"})


def _shown(problem: Problem) -> dict[str, Any]:
    shown = problem.as_dict()
    if problem.column in ID_COLUMNS and problem.value:
        shown["value"] = idnumber.mask(str(problem.value))
    return shown


@register_job("registry.import")
def registry_import_job(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    """Payload ``{"paths": [...], "names": [...], "dry_run": bool, "valid_only": bool}``; the actor is the
    user who created the job (none: the system, as on the command line)."""
    params = job.params
    paths = [Path(p) for p in params["paths"]]
    names = params.get("names") or [p.name for p in paths]

    def progress(done: int, total: int, stage: str) -> None:
        changed = stage != reporter.job.message or total != reporter.job.total
        reporter.job.message = stage
        reporter.job.done = min(done, total)
        if changed:
            reporter.set_total(total)  # written at once: a new stage shows even between heartbeats
        else:
            reporter.beat()

    result = registry_import(paths, actor=job.created_by, dry_run=bool(params.get("dry_run")),
                             valid_only=bool(params.get("valid_only")), progress=progress, names=names)
    report = None
    if result.problems:
        relative = Path(REPORT_DIR) / f"job-{job.pk}-problems.xlsx"
        problems_workbook(result, paths, Path(settings.MEDIA_ROOT) / relative, names=names)
        report = relative.as_posix()
    return {
        "counts": result.counts,
        "problems": len(result.problems),
        "problem_list": [_shown(p) for p in result.problems[:PROBLEM_LIST_LIMIT]],
        "ignored_columns": [list(c) for c in result.ignored_columns],
        "ignored_sheets": result.ignored_sheets,
        "skipped_rows": result.skipped_rows,
        "report": report,
        "written": result.written,
        "refused": result.refused,
        "dry_run": result.dry_run,
        "valid_only": result.valid_only,
    }
