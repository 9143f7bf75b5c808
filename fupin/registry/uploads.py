"""Registry import uploads: start the import job on the checked and stored files, and who may follow it.

An upload is one workbook (.xlsx or .xls) or up to three CSV files (the template's three tables,
recognised by their header rows); the import framework checks and stores them
(:mod:`fupin.core.imports.uploads`) and the import job (kind ``registry.import``) reads them.

An import job may be seen by the user who started it, or by a user who holds ``registry.import``
and whose areas cover every area of the starter's (the starter's scope is stored with the job).
Everyone else gets the same 404 as for a job that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fupin.accounts.access import can, ensure_can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.areas.scoping import AreaScope, scope_of
from fupin.core.actors import Viewer
from fupin.core.imports.uploads import Upload, upload_check, upload_job_get, upload_job_start
from fupin.core.models import JobRun
from fupin.registry.job_handlers import IMPORT_KIND

MAX_CSV_FILES = 3
MIXED = ("请上传一个工作簿，或最多三个 CSV 文件，不要混合 / upload one workbook, or up to three CSV files, "
         "not a mix")
TOO_MANY_CSV = "最多上传三个 CSV 文件（户信息、家庭成员、收支情况）/ at most three CSV files"


def registry_upload_check(files: Sequence[Upload]) -> None:
    """One workbook, or the template's tables as up to three CSV files."""
    upload_check(files, max_csv_files=MAX_CSV_FILES, mixed=MIXED, too_many=TOO_MANY_CSV)


def _scope_payload(user: User | None) -> dict[str, Any]:
    scope = scope_of(user)
    return {"everything": scope.everything, "paths": list(scope.paths)}


def registry_import_start(*, files: Sequence[Upload], actor: User | None, dry_run: bool, valid_only: bool) -> JobRun:
    """Check and store the upload, then queue the import job; the job runs with ``actor``'s rights."""
    ensure_can(actor, Cap.REGISTRY_IMPORT)
    mode = " [仅校验 / dry run]" if dry_run else ""
    return upload_job_start(
        kind=IMPORT_KIND, title=f"导入建档立卡数据 / registry import{mode}", files=files, actor=actor,
        params={"dry_run": dry_run, "valid_only": valid_only, "scope": _scope_payload(actor)},
        max_csv_files=MAX_CSV_FILES, mixed=MIXED, too_many=TOO_MANY_CSV)


def _covers(viewer: AreaScope, owner: dict[str, Any]) -> bool:
    if viewer.everything:
        return True
    if owner.get("everything") or not owner.get("paths"):
        return False
    return all(any(str(path).startswith(mine) for mine in viewer.paths) for path in owner["paths"])


def _may_see(user: Viewer, job: JobRun) -> bool:
    return can(user, Cap.REGISTRY_IMPORT) and _covers(scope_of(user), job.params.get("scope") or {})


def import_job_get(user: Viewer, pk: int) -> JobRun:
    """The import job, if ``user`` started it or holds registry.import over all of the starter's areas; else 404."""
    return upload_job_get(user, pk, IMPORT_KIND, may_see=_may_see)
