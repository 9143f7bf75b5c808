"""Department list uploads: the import framework checks and stores the file, the load job reads it."""

from __future__ import annotations

from fupin.accounts.access import can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.core.actors import Viewer
from fupin.core.errors import BadInput
from fupin.core.imports.uploads import Upload, upload_job_get, upload_job_start
from fupin.core.models import JobRun
from fupin.crosscheck.datasets import Dataset
from fupin.crosscheck.job_handlers import LOAD_KIND
from fupin.crosscheck.loading import ensure_may_load

ONE_FILE = "请选择一个文件（一份名单一个文件）/ choose one file (one list per file)"


def load_start(*, dataset: str, upload: Upload | None, actor: User | None, valid_only: bool) -> JobRun:
    ensure_may_load(actor, dataset)
    if upload is None:
        raise BadInput(ONE_FILE, code="NO_FILE")
    label = Dataset(dataset).label
    return upload_job_start(kind=LOAD_KIND, title=f"导入部门名单 / department list: {label}", files=[upload],
                            actor=actor, params={"dataset": dataset, "valid_only": valid_only})


def load_job_get(user: Viewer, pk: int) -> JobRun:
    """A load job, for the user who started it or district staff (crosscheck.run); else 404."""
    return upload_job_get(user, pk, LOAD_KIND, may_see=lambda viewer, _job: can(viewer, Cap.CROSSCHECK_RUN))
