"""Delivery-list uploads: the import framework checks and stores the file, the delivery job records it."""

from __future__ import annotations

from fupin.accounts.access import ensure_can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.core.actors import Viewer
from fupin.core.imports.uploads import Upload, upload_job_get, upload_job_start
from fupin.core.models import JobRun
from fupin.measures.job_handlers import DELIVERY_KIND


def delivery_start(*, upload: Upload, actor: User | None, valid_only: bool) -> JobRun:
    """Check and store the list, then queue the delivery job; it runs with ``actor``'s rights."""
    ensure_can(actor, Cap.MEASURES_DELIVER)
    return upload_job_start(kind=DELIVERY_KIND, title="导入帮扶措施名单 / delivery list", files=[upload], actor=actor,
                            params={"valid_only": valid_only})


def delivery_job_get(user: Viewer, pk: int) -> JobRun:
    """A delivery job, for the user who started it; else 404."""
    return upload_job_get(user, pk, DELIVERY_KIND)
