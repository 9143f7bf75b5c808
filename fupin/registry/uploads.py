"""Registry import uploads: check and store the files, start the import job, and who may see it.

An upload is one workbook (.xlsx or .xls) or up to three CSV files (the template's three tables,
recognised by their header rows). Files are checked for extension, size and their first bytes
(a renamed .exe is not a workbook) and stored under ``MEDIA_ROOT/uploads/<uuid>/``; the import job
(kind ``registry.import``, run by the import engine) reads them from there.

An import job may be seen by the user who started it, or by a user who holds ``registry.import``
and whose areas cover every area of the starter's (the starter's scope is stored with the job).
Everyone else gets the same 404 as for a job that does not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.utils.text import get_valid_filename

from fupin.accounts.access import can, ensure_can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.areas.scoping import AreaScope, scope_of
from fupin.core.errors import BadInput
from fupin.core.jobs import job_create, job_live
from fupin.core.models import JobRun

Upload = UploadedFile[bytes]
IMPORT_KIND = "registry.import"
WORKBOOK_EXTENSIONS = {".xlsx": b"PK\x03\x04", ".xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"}
CSV_EXTENSION = ".csv"
MAX_CSV_FILES = 3

NO_FILE = "请选择要导入的文件 / choose a file to import"
BAD_EXTENSION = ("「{name}」不是 .xlsx、.xls 或 .csv 文件 / {name} is not an .xlsx, .xls or .csv file")
MIXED = ("请上传一个工作簿，或最多三个 CSV 文件，不要混合 / upload one workbook, or up to three CSV files, "
         "not a mix")
TOO_MANY_CSV = "最多上传三个 CSV 文件（户信息、家庭成员、收支情况）/ at most three CSV files"
EMPTY = "「{name}」是空文件 / {name} is empty"
TOO_LARGE = ("上传文件共 {size} MB，超过上限 {limit} MB / the upload is {size} MB, more than the limit of "
             "{limit} MB")
NOT_WORKBOOK = ("「{name}」的内容不是 Excel 工作簿，请用 Excel 另存为 .xlsx / {name} is not an Excel workbook; "
                "save it again as .xlsx")
NOT_TEXT = ("「{name}」不是文本 CSV 文件 / {name} is not a text CSV file")


@dataclass(frozen=True)
class StoredUpload:
    folder: Path
    paths: list[Path]
    names: list[str]


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def upload_limit() -> int:
    return int(settings.REGISTRY_UPLOAD_MAX_BYTES)


def upload_check(files: Sequence[Upload]) -> None:
    """Refuse (BadInput, bilingual) anything but one workbook or one to three CSV files within the size limit."""
    if not files:
        raise BadInput(NO_FILE, code="NO_FILE")
    extensions = [Path(f.name or "").suffix.lower() for f in files]
    for f, ext in zip(files, extensions, strict=True):
        if ext not in WORKBOOK_EXTENSIONS and ext != CSV_EXTENSION:
            raise BadInput(BAD_EXTENSION.format(name=f.name), code="BAD_EXTENSION")
    if any(ext in WORKBOOK_EXTENSIONS for ext in extensions) and len(files) > 1:
        raise BadInput(MIXED, code="MIXED_UPLOAD")
    if len(files) > MAX_CSV_FILES:
        raise BadInput(TOO_MANY_CSV, code="TOO_MANY_FILES")
    total = sum(f.size or 0 for f in files)
    if total > upload_limit():
        raise BadInput(TOO_LARGE.format(size=_mb(total), limit=_mb(upload_limit())), code="UPLOAD_TOO_LARGE")
    for f, ext in zip(files, extensions, strict=True):
        _check_content(f, ext)


def _check_content(f: Upload, ext: str) -> None:
    f.seek(0)
    head = f.read(65536)
    f.seek(0)
    if not head:
        raise BadInput(EMPTY.format(name=f.name), code="EMPTY_FILE")
    if ext in WORKBOOK_EXTENSIONS and not head.startswith(WORKBOOK_EXTENSIONS[ext]):
        raise BadInput(NOT_WORKBOOK.format(name=f.name), code="NOT_A_WORKBOOK")
    if ext == CSV_EXTENSION and b"\x00" in head:
        raise BadInput(NOT_TEXT.format(name=f.name), code="NOT_TEXT")


def _safe_name(index: int, name: str) -> str:
    ext = Path(name).suffix.lower()
    try:
        stem = get_valid_filename(Path(name).stem)[:80]
    except SuspiciousFileOperation:
        stem = ""
    return f"{index}-{stem or 'file'}{ext}"


def upload_store(files: Sequence[Upload]) -> StoredUpload:
    """Copy checked files to a new folder MEDIA_ROOT/uploads/<uuid>/, under sanitised names."""
    folder = Path(settings.MEDIA_ROOT) / "uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    paths: list[Path] = []
    for index, f in enumerate(files, start=1):
        path = folder / _safe_name(index, f.name or "")
        with path.open("wb") as out:
            for chunk in f.chunks():
                out.write(chunk)
        paths.append(path)
    return StoredUpload(folder, paths, [Path(f.name or p.name).name for f, p in zip(files, paths, strict=True)])


def _scope_payload(user: Any) -> dict[str, Any]:
    scope = scope_of(user)
    return {"everything": scope.everything, "paths": list(scope.paths)}


def registry_import_start(*, files: Sequence[Upload], actor: User | None, dry_run: bool, valid_only: bool) -> JobRun:
    """Check and store the upload, then queue the import job; the job runs with ``actor``'s rights."""
    ensure_can(actor, Cap.REGISTRY_IMPORT)
    upload_check(files)
    stored = upload_store(files)
    mode = " [仅校验 / dry run]" if dry_run else ""
    return job_create(
        kind=IMPORT_KIND, title=f"导入建档立卡数据 / registry import{mode}: {'、'.join(stored.names)}"[:200],
        actor=actor,
        params={"paths": [str(p) for p in stored.paths], "names": stored.names, "dry_run": dry_run,
                "valid_only": valid_only, "scope": _scope_payload(actor)},
    )


def _covers(viewer: AreaScope, owner: dict[str, Any]) -> bool:
    if viewer.everything:
        return True
    if owner.get("everything") or not owner.get("paths"):
        return False
    return all(any(str(path).startswith(mine) for mine in viewer.paths) for path in owner["paths"])


def import_job_get(user: Any, pk: int) -> JobRun:
    """The import job, if ``user`` started it or holds registry.import over all of the starter's areas; else 404."""
    job = JobRun.objects.filter(pk=pk, kind=IMPORT_KIND).first()
    if job is None or not getattr(user, "is_authenticated", False):
        raise Http404("not found")
    if job.created_by_id == user.pk:
        return job_live(job)
    if can(user, Cap.REGISTRY_IMPORT) and _covers(scope_of(user), job.params.get("scope") or {}):
        return job_live(job)
    raise Http404("not found")


def import_report_path(job: JobRun) -> Path:
    """The problems workbook of a finished import job (a path under MEDIA_ROOT), or 404."""
    relative = (job.result or {}).get("report") if job.status == JobRun.Status.SUCCEEDED else None
    if not relative:
        raise Http404("no report")
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / str(relative)).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Http404("no report")
    return path
