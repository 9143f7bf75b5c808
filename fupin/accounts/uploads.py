"""Roster uploads: the import framework checks and stores the file, the roster job creates the accounts."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import Http404

from fupin.accounts.access import ensure_can
from fupin.accounts.job_handlers import ROSTER_KIND
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.core.actors import Viewer
from fupin.core.audit import Action, audit_record
from fupin.core.imports.uploads import Upload, upload_job_get, upload_job_start
from fupin.core.models import JobRun


def roster_start(*, upload: Upload, actor: User) -> JobRun:
    """Check and store the roster, then queue the roster job; it runs with ``actor``'s rights."""
    ensure_can(actor, Cap.USERS_MANAGE)
    return upload_job_start(kind=ROSTER_KIND, title="导入用户花名册 / user roster", files=[upload], actor=actor,
                            params={})


def roster_job_get(user: Viewer, pk: int) -> JobRun:
    """A roster job, for the user who started it; else 404."""
    return upload_job_get(user, pk, ROSTER_KIND)


@transaction.atomic
def roster_credentials_take(job: JobRun, *, actor: User) -> bytes:
    """The workbook of the roster's temporary passwords, once: it is deleted as it is handed over (404 after)."""
    locked = JobRun.objects.select_for_update().get(pk=job.pk)
    relative = (locked.result or {}).get("file") if locked.status == JobRun.Status.SUCCEEDED else None
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / str(relative)).resolve() if relative else None
    if path is None or not path.is_relative_to(root) or not path.is_file():
        raise Http404("no credentials")
    content = path.read_bytes()
    path.unlink()
    JobRun.objects.filter(pk=job.pk).update(result={**locked.result, "file": None, "file_taken": True})
    audit_record(actor=actor, action=Action.EXPORT, object_type="core.jobrun", object_id=str(job.pk),
                 object_label=job.title[:200], changes={"credentials": "downloaded", "accounts": locked.result.get("rows")})
    return content
