"""Uploaded import files: checked, stored, and handed to a job; who may follow that job.

An upload is one workbook (.xlsx or .xls) or one or more CSV files (up to what the format takes:
the registry template's three tables, a department's one list). Files are checked for extension and
size, then looked at as the import will look at them before parsing (:mod:`fupin.core.imports.safety`:
the type by content, a workbook's zip entries and sheet dimensions, a CSV file's rows, columns and
encoding), so that a hostile or mislabelled file is refused with its reason before anything is stored.
Accepted files are stored under ``MEDIA_ROOT/uploads/<uuid>/``; the import job reads them from there
(``params.paths``, relative to
MEDIA_ROOT; shown to the user under ``params.names``) and the job-file purge deletes them with the
job's other files.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.utils.text import get_valid_filename

from fupin.core.actors import Viewer
from fupin.core.errors import BadInput
from fupin.core.imports.problems import problems_message
from fupin.core.imports.report import XLSX_TYPE
from fupin.core.imports.safety import ImportLimits, inspect
from fupin.core.jobs import job_create, job_live
from fupin.core.models import JobRun

Upload = UploadedFile[bytes]
WORKBOOK_EXTENSIONS = frozenset({".xlsx", ".xls"})
CSV_EXTENSION = ".csv"

NO_FILE = "请选择要导入的文件 / choose a file to import"
BAD_EXTENSION = ("「{name}」不是 .xlsx、.xls 或 .csv 文件 / {name} is not an .xlsx, .xls or .csv file")
MIXED = "请上传一个工作簿或 CSV 文件，不要混合 / upload one workbook or CSV files, not a mix"
TOO_MANY_FILES = "最多上传 {n} 个文件 / at most {n} files"
EMPTY = "「{name}」是空文件 / {name} is empty"
TOO_LARGE = ("上传文件共 {size} MB，超过上限 {limit} MB / the upload is {size} MB, more than the limit of "
             "{limit} MB")

if TYPE_CHECKING:
    from fupin.accounts.models import User  # a type only: accounts is on a floor above


@dataclass(frozen=True)
class StoredUpload:
    folder: Path
    paths: list[Path]
    names: list[str]


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def upload_limit() -> int:
    return int(settings.REGISTRY_UPLOAD_MAX_BYTES)


def upload_check(files: Sequence[Upload], *, max_csv_files: int = 1, mixed: str = MIXED,
                 too_many: str = TOO_MANY_FILES) -> None:
    """Refuse (BadInput, bilingual) anything but one workbook or up to ``max_csv_files`` CSV files within the
    size limit. ``mixed`` and ``too_many`` are the format's own words for those two refusals."""
    if not files:
        raise BadInput(NO_FILE, code="NO_FILE")
    extensions = [Path(f.name or "").suffix.lower() for f in files]
    for f, ext in zip(files, extensions, strict=True):
        if ext not in WORKBOOK_EXTENSIONS and ext != CSV_EXTENSION:
            raise BadInput(BAD_EXTENSION.format(name=f.name), code="BAD_EXTENSION")
    if any(ext in WORKBOOK_EXTENSIONS for ext in extensions) and len(files) > 1:
        raise BadInput(mixed, code="MIXED_UPLOAD")
    if len(files) > max_csv_files:
        raise BadInput(too_many.format(n=max_csv_files), code="TOO_MANY_FILES")
    total = sum(f.size or 0 for f in files)
    if total > upload_limit():
        raise BadInput(TOO_LARGE.format(size=_mb(total), limit=_mb(upload_limit())), code="UPLOAD_TOO_LARGE")
    limits = ImportLimits.from_settings()
    for f in files:
        _check_content(f, limits)


def _check_content(f: Upload, limits: ImportLimits) -> None:
    """The look the import takes before parsing, taken now: a refused file is never stored, no job starts."""
    f.seek(0)
    empty = not f.read(1)
    f.seek(0)
    if empty:
        raise BadInput(EMPTY.format(name=f.name), code="EMPTY_FILE")
    found = inspect(f, Path(f.name or "").name, limits)
    if found.problems:
        raise BadInput(problems_message(found.problems), code=found.problems[0].code)


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


def upload_job_start(*, kind: str, title: str, files: Sequence[Upload], actor: User | None, params: dict[str, Any],
                     max_csv_files: int = 1, mixed: str = MIXED, too_many: str = TOO_MANY_FILES) -> JobRun:
    """Check and store the upload, then queue the import job ``kind`` (its handler reads ``params.paths``
    and ``params.names`` beside the caller's ``params``); the job runs with ``actor``'s rights. The caller
    has checked that ``actor`` may import at all."""
    upload_check(files, max_csv_files=max_csv_files, mixed=mixed, too_many=too_many)
    stored = upload_store(files)
    # Relative to MEDIA_ROOT: the row stays right when the data folder moves or is restored elsewhere.
    relative = [p.relative_to(settings.MEDIA_ROOT).as_posix() for p in stored.paths]
    return job_create(kind=kind, title=f"{title}: {'、'.join(stored.names)}"[:200], actor=actor,
                      params={"paths": relative, "names": stored.names, **params})


def upload_job_get(user: Viewer, pk: int, kind: str, *, may_see: Callable[[Viewer, JobRun], bool] | None = None) -> JobRun:
    """The import job ``pk`` of ``kind``, for the user who started it or one ``may_see`` admits; else the same
    404 as for a job that does not exist. Progress published from inside the job's transaction is laid over."""
    job = JobRun.objects.filter(pk=pk, kind=kind).first()
    if job is None or not getattr(user, "is_authenticated", False):
        raise Http404("not found")
    if job.created_by_id == user.pk or (may_see is not None and may_see(user, job)):
        return job_live(job)
    raise Http404("not found")


def job_report_path(job: JobRun) -> Path:
    """The problems workbook of a finished import job (a path under MEDIA_ROOT), or 404."""
    relative = (job.result or {}).get("report") if job.status == JobRun.Status.SUCCEEDED else None
    if not relative:
        raise Http404("no report")
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / str(relative)).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Http404("no report")
    return path


def job_report_response(job: JobRun, filename: str) -> FileResponse:
    """The problems workbook of a finished import job as a download named ``filename``, or 404."""
    return FileResponse(job_report_path(job).open("rb"), as_attachment=True, filename=filename,
                        content_type=XLSX_TYPE)
