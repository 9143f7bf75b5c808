"""Department list uploads: check and store the file (the registry upload's checks), start the load job."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from fupin.accounts.access import can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.core.errors import BadInput
from fupin.core.jobs import job_create
from fupin.core.models import JobRun
from fupin.crosscheck.datasets import Dataset
from fupin.crosscheck.job_handlers import LOAD_KIND
from fupin.crosscheck.loading import ensure_may_load
from fupin.registry.uploads import Upload, upload_check, upload_store

ONE_FILE = "请选择一个文件（一份名单一个文件）/ choose one file (one list per file)"


def load_start(*, dataset: str, upload: Upload | None, actor: User | None, valid_only: bool) -> JobRun:
    ensure_may_load(actor, dataset)
    if upload is None:
        raise BadInput(ONE_FILE, code="NO_FILE")
    upload_check([upload])
    stored = upload_store([upload])
    label = Dataset(dataset).label
    return job_create(kind=LOAD_KIND, title=f"导入部门名单 / department list: {label} {stored.names[0]}"[:200],
                      actor=actor, params={"dataset": dataset, "path": str(stored.paths[0]), "name": stored.names[0],
                                           "valid_only": valid_only})


def load_job_get(user: Any, pk: int) -> JobRun:
    """A load job, for the user who started it or district staff (crosscheck.run); else 404."""
    job = JobRun.objects.filter(pk=pk, kind=LOAD_KIND).first()
    if job is None or not getattr(user, "is_authenticated", False):
        raise Http404("not found")
    if job.created_by_id == user.pk or can(user, Cap.CROSSCHECK_RUN):
        return job
    raise Http404("not found")
