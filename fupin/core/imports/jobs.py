"""An import run as a background job: the upload page polls the job row for progress, then shows the outcome.

A module's job handler calls its importer with ``progress=reporter.progress`` and returns
:func:`outcome_payload` (plus its own counts): the problems (the first few hundred, for the page), the
columns, sheets and rows left out, and the problems workbook written under ``MEDIA_ROOT/<report_dir>/``
(served by :func:`fupin.core.imports.uploads.job_report_path`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings

from fupin.core import idnumber
from fupin.core.imports.outcome import ImportOutcome
from fupin.core.imports.problems import Problem
from fupin.core.models import JobRun

PROBLEM_LIST_LIMIT = 500
# Columns whose values are ID or phone numbers, in every template: kept in a job's result (and so on the page)
# masked, as the database holds no such number in clear (ADR 0024). The cell is located by sheet, row and
# column; the problems workbook, the user's own file marked up, keeps the value whole.
PERSONAL_COLUMNS = frozenset({"身份证号", "户主身份证号", "联系电话", "联系方式", "手机号码"})


def shown_masked(problem: Problem) -> dict[str, Any]:
    """A problem as a job's result keeps it: the value of a personal column masked."""
    shown = problem.as_dict()
    if problem.column in PERSONAL_COLUMNS and problem.value:
        shown["value"] = idnumber.mask(str(problem.value))
    return shown


def job_files(job: JobRun) -> tuple[list[Path], list[str]]:
    """The stored files of an upload job (``params.paths``, relative to MEDIA_ROOT) and the names the user knows
    them by."""
    paths = [Path(settings.MEDIA_ROOT) / p for p in job.params["paths"]]
    return paths, list(job.params.get("names") or [p.name for p in paths])


def outcome_payload(job: JobRun, outcome: ImportOutcome, *, report_dir: str, write_report: Callable[[Path], None],
                    shown: Callable[[Problem], dict[str, Any]] = shown_masked) -> dict[str, Any]:
    """The job's result for the page: ``shown`` gives a problem as the page lists it (ID and phone numbers
    masked; the workbook, the user's own file marked up, keeps them whole)."""
    report = None
    if outcome.problems:
        relative = Path(report_dir) / f"job-{job.pk}-problems.xlsx"
        write_report(Path(settings.MEDIA_ROOT) / relative)
        report = relative.as_posix()
    return {
        "problems": len(outcome.problems),
        "problem_list": [shown(p) for p in outcome.problems[:PROBLEM_LIST_LIMIT]],
        "ignored_columns": [list(c) for c in outcome.ignored_columns],
        "ignored_sheets": outcome.ignored_sheets,
        "skipped_rows": outcome.skipped_rows,
        "report": report,
        "written": outcome.written,
        "refused": outcome.refused,
        "valid_only": outcome.valid_only,
    }


def outcome_context(job: JobRun) -> dict[str, Any]:
    """What an upload page shows of an import job (the template ``core/_import_problems.html`` lists the
    problems): the result, the number of problems, those listed, how many more the workbook has."""
    result = job.result or {}
    problems = int(result.get("problems") or 0)
    listed = result.get("problem_list") or []
    return {"job": job, "result": result, "problems": problems, "problem_list": listed,
            "more_problems": max(0, problems - len(listed)), "has_report": bool(result.get("report")),
            "skipped": sum(len(v) for v in (result.get("skipped_rows") or {}).values()),
            "names": job.params.get("names", [])}
