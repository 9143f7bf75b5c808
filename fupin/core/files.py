"""Evidence files attached to records (household steps, project steps, plan reports, hotline tickets):
read and checked before anything is written, stored under a random name, with the sender's name, size and
SHA-256 kept in the row. One mechanism; each module brings its own limits and wording."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.db import models
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.core.errors import BadInput, FileMissing

# The first bytes each allowed extension must start with: a renamed HTML page is not a scan.
MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}


@dataclass(frozen=True)
class Upload:
    """An uploaded file, read and checked before anything is written."""

    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class UploadRules:
    """A module's limits and its refusal messages (templates with {n}, {name}, {mb}, {allowed})."""

    max_files: int
    max_bytes: int
    extensions: Sequence[str]
    too_many: str
    bad_extension: str
    too_large: str
    empty: str
    bad_content: str


def uploads_read(files: Iterable[Any], rules: UploadRules) -> list[Upload]:
    """Read and check uploaded files (count, extension, size, first bytes); raise BadInput, write nothing."""
    files = list(files)
    if len(files) > rules.max_files:
        message = rules.too_many.format(n=rules.max_files)
        raise BadInput(message, fields={"files": [message]})
    mb = rules.max_bytes // (1024 * 1024)
    result = []
    for upload in files:
        name = PurePath(str(getattr(upload, "name", "") or "file")).name[:200]
        ext = PurePath(name).suffix.lower().lstrip(".")
        problem = ""
        if ext not in rules.extensions:
            problem = rules.bad_extension.format(name=name, allowed=", ".join(rules.extensions))
        elif (getattr(upload, "size", None) or 0) > rules.max_bytes:
            problem = rules.too_large.format(name=name, mb=mb)
        else:
            upload.seek(0)
            content = upload.read(rules.max_bytes + 1)
            if len(content) > rules.max_bytes:
                problem = rules.too_large.format(name=name, mb=mb)
            elif not content:
                problem = rules.empty.format(name=name)
            elif not content.startswith(MAGIC[ext]):
                problem = rules.bad_content.format(name=name)
        if problem:
            raise BadInput(problem, fields={"files": [problem]})
        result.append(Upload(name, content))
    return result


def random_upload_name(directory: str, filename: str) -> str:
    """A random name under <directory>/<year>/<month>/: the sender's file name is kept in the row only."""
    suffix = PurePath(filename).suffix.lower()[:10]
    now = timezone.localdate()
    return f"{directory}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}{suffix}"


class StoredFile(models.Model):
    """What every attachment row keeps beside its file (each model declares ``file`` with its directory)."""

    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)

    file: Any

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name


def stored_file_save(attachment: StoredFile, upload: Upload, saved: list[str] | None = None) -> StoredFile:
    """Fill ``attachment`` from ``upload``, write the file and the row; the file's name goes to ``saved`` (so a
    caller can remove written files if its transaction rolls back)."""
    attachment.original_name, attachment.size, attachment.sha256 = upload.name, len(upload.content), upload.sha256
    attachment.file.save(upload.name, ContentFile(upload.content), save=False)
    if saved is not None:
        saved.append(str(attachment.file.name))
    attachment.save()
    return attachment


FILE_MISSING = ("文件“{name}”已不在存储中，请联系系统管理员从备份中恢复 / the file “{name}” is no longer in storage: "
                "ask the system administrator to restore it from a backup")


def stored_file_response(attachment: StoredFile) -> FileResponse:
    """The attachment's file as a download under the sender's name. A file gone from storage raises
    ``FileMissing`` (the platform's 404 page), so a caller that logs the download opens the file first."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise FileMissing(FILE_MISSING.format(name=attachment.original_name)) from None
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name)
