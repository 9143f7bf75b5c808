"""Background jobs of accounts: a roster of new accounts, loaded for the upload page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from fupin.accounts.roster import credentials_write, roster_load, roster_problems_workbook
from fupin.core.errors import DomainError
from fupin.core.imports.jobs import job_files, outcome_payload
from fupin.core.jobs import JobReporter, register_job
from fupin.core.models import JobRun

ROSTER_KIND = "accounts.roster"
STARTER_GONE = "发起导入的账号已不存在 / the account that started the import no longer exists"
REPORT_DIR = "accounts"


@register_job(ROSTER_KIND)
def roster_job(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    """Payload ``{"paths", "names"}``; the actor is the user who started the job. The temporary passwords go to a
    workbook under MEDIA_ROOT (0600) that its starter downloads once (``file``; purged with the job's files)."""
    if job.created_by is None:  # never the system's rights for a page's upload
        raise DomainError(STARTER_GONE, code="STARTER_GONE")
    (path,), (name,) = job_files(job)
    result = roster_load(path, actor=job.created_by, name=name, progress=reporter.progress)
    credentials = None
    if result.written:
        relative = Path(REPORT_DIR) / f"job-{job.pk}-passwords.xlsx"
        credentials_write(result, Path(settings.MEDIA_ROOT) / relative)
        credentials = relative.as_posix()
    return {
        **outcome_payload(job, result, report_dir=REPORT_DIR,
                          write_report=lambda out: roster_problems_workbook(result, path, out, name)),
        "rows": result.rows,
        "file": credentials,
    }
