"""Files only the platform's own user may read: the data folder holds personal data at rest.

The process umask (``FUPIN_UMASK``, 077) is set when the settings are read. Reading the settings is the first
thing every entry point does (``manage.py`` and the ``fupin`` script, gunicorn through ``fupin.config.wsgi``,
``fupin db_worker``, the test runner), before anything is written -- the settings themselves create the data
folder -- so one place covers all of them, and the files libraries create as well as ours: SQLite creates the
database with the process umask (and its -wal, -shm and -journal files with the database's own mode), and the
import uploads, exports, problem workbooks, job logs and the file cache are written with a plain ``open``.
Django's storage gets the same modes (``FILE_UPLOAD_PERMISSIONS``, ``FILE_UPLOAD_DIRECTORY_PERMISSIONS``), so
an attachment is private even when saved by a process started some other way.

A umask applies to new files only. What an older start left looser -- the data folder, and a developer's
SQLite database of mode 0644 with its companions -- is tightened at start-up. The files already under
``var/media`` are not walked (a county's uploads are many): the data folder's own mode keeps other users out
of all of them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def file_mode(umask: int) -> int:
    """The mode of a new file under ``umask``."""
    return 0o666 & ~umask


def folder_mode(umask: int) -> int:
    """The mode of a new folder under ``umask``."""
    return 0o777 & ~umask


def umask_set(umask: int) -> None:
    os.umask(umask)


def tighten(path: Path, umask: int) -> None:
    """Take from ``path``, if it exists, the permission bits ``umask`` withholds from new files.

    Only a file of this process's user: another's cannot be changed here (and is its owner's business)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    mode = stat.S_IMODE(info.st_mode)
    if mode & umask and info.st_uid == os.geteuid():
        path.chmod(mode & ~umask)


def sqlite_tighten(database: str, umask: int) -> None:
    """Tighten a SQLite database file and its -wal, -shm and -journal companions (those that exist)."""
    for suffix in SQLITE_SUFFIXES:
        tighten(Path(f"{database}{suffix}"), umask)
