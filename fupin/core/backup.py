"""``fupin backup PATH`` and ``fupin restore PATH``: the database, the uploaded files and a checksum manifest
(ADR 0021).

A backup is a folder::

    PATH/manifest.json          what is in it: engine, when, row counts per table, applied migrations, the
                                audit chain's head, check values of the keys, SHA-256 and size of every file
    PATH/database.sqlite3       (SQLite) or PATH/database.pgdump (PostgreSQL, pg_dump's custom format)
    PATH/media/...              every file under MEDIA_ROOT (attachments, uploads, job reports)

The database is snapshotted first and the files copied after, so every file a row of the snapshot names is
in the copy. The manifest is written last: a folder without one is an unfinished backup. Not in it: the key
file and the audit checkpoints, which are backed up separately (README) -- a backup that carried its own keys
would hand the personal data to whoever holds the backup.

A restore checks everything before it changes anything: the manifest (and its own checksum), every file's
size and SHA-256, no file missing or extra, migrations this code knows, the key file holding the backup's keys
(by check value), and an empty database and MEDIA_ROOT unless forced. Then it loads the database and the
files, compares the row counts with the manifest, appends a signed ``restore`` line to the audit checkpoints
and verifies the audit chain.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from fupin.core import keys
from fupin.core.audit import VerifyResult, audit_restored, audit_verify
from fupin.core.audit_checkpoints import hmac_sm3, use_key
from fupin.core.backup_db import (
    ENGINES,
    configured_counts,
    configured_is_empty,
    database_backup,
    database_restore,
    engine,
)
from fupin.core.errors import BadInput, DomainError

MANIFEST = "manifest.json"
FORMAT = "fupin-backup"
VERSION = 1
MEDIA = "media"
CHUNK = 1024 * 1024
KEY_CHECK = b"fupin key check value"

Progress = Callable[[int], None]  # called with the number of files just handled

NOT_EMPTY_TARGET = ("备份目标 {path} 已存在且不为空 / the backup target {path} exists and is not empty: choose a new "
                    "folder")
NO_MANIFEST = ("{path} 中没有 manifest.json：不是 Fupin 备份，或备份未完成 / there is no manifest.json in {path}: not "
               "a Fupin backup, or an unfinished one")
BAD_MANIFEST = "备份清单 manifest.json 已损坏 / the backup's manifest.json is damaged"
FILE_MISSING = "备份不完整：缺少 {name} / the backup is incomplete: {name} is missing"
FILE_DAMAGED = "备份已损坏：{name} 与清单中的校验和不符 / the backup is damaged: {name} does not match its checksum"
FILE_EXTRA = "备份文件夹中有清单以外的文件 {name} / {name} is in the backup folder but not in its manifest"
WRONG_ENGINE = ("该备份是 {backup} 数据库的，而配置的数据库是 {configured} / this is a backup of a {backup} database; the "
                "configured database is {configured}")
NEWER_MIGRATIONS = ("该备份由更新版本的程序生成（迁移 {name} 未知），请先升级 / the backup was made by a newer version "
                    "(migration {name} is unknown here): upgrade first")
NO_KEY_FILE = ("密钥文件 {path} 不存在：请先从其单独的备份中恢复密钥文件 / the key file {path} does not exist: restore it "
               "from its own backup first")
KEY_MISSING = ("密钥文件 {path} 中没有该备份的密钥 {key}（或密钥不同）：请先恢复备份时所用的密钥文件 / the key file {path} "
               "does not hold key {key} of the backup, or holds another: restore the key file the backup was made "
               "with first")
DB_NOT_EMPTY = ("配置的数据库不是空的：请恢复到新建的空数据库，或用 --force 覆盖 / the configured database is not empty: "
                "restore into a new empty database, or use --force to replace it")
MEDIA_NOT_EMPTY = ("上传文件夹 {path} 不是空的：请恢复到空的数据文件夹，或用 --force 覆盖 / the upload folder {path} is "
                   "not empty: restore into an empty data folder, or use --force to replace it")
COUNTS_DIFFER = ("恢复后数据表 {table} 有 {found} 行，备份中为 {expected} 行 / after the restore table {table} has "
                 "{found} rows, the backup {expected}")


@dataclass(frozen=True)
class BackupResult:
    path: Path
    files: int
    size: int
    tables: int
    rows: int
    audit_seq: int


@dataclass(frozen=True)
class RestoreResult:
    files: int
    tables: int
    rows: int
    audit_seq: int
    migrated: int  # migrations applied after the restore (a backup of an older version)
    verify: VerifyResult


# --- files ---------------------------------------------------------------------------------------------------

def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_private(source: Path, target: Path) -> str:
    """Copy ``source`` to a new file ``target`` (0600, folders 0700); returns its SHA-256."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with source.open("rb") as src, os.fdopen(fd, "wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
    return digest.hexdigest()


def _write_private_json(path: Path, data: dict[str, Any]) -> None:
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def _manifest_checksum(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def key_check_values() -> dict[str, str]:
    """A check value per master key: tells a restore whether its key file is the backup's, revealing nothing."""
    ring = keys.keyring()
    return {key_id: hmac_sm3(use_key(keys.AUDIT_CHECKPOINT, key_id), KEY_CHECK)[:16] for key_id in sorted(ring.keys)}


# --- backup --------------------------------------------------------------------------------------------------

def _prepare_target(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BadInput(NOT_EMPTY_TARGET.format(path=path), code="BACKUP_TARGET_NOT_EMPTY")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)


def backup_media_count() -> int:
    return sum(1 for _ in _media_files(_media_root()))


def backup_create(path: Path, *, progress: Progress | None = None) -> BackupResult:
    """Back up the configured database and MEDIA_ROOT into the new folder ``path`` (see the module's notes)."""
    _prepare_target(path)
    snapshot = database_backup(path)
    files: dict[str, dict[str, Any]] = {}
    database = path / snapshot.file
    files[snapshot.file] = {"sha256": _sha256(database), "size": database.stat().st_size}
    if progress:
        progress(1)
    root = _media_root()
    for source in _media_files(root):
        name = f"{MEDIA}/{source.relative_to(root).as_posix()}"
        digest = _copy_private(source, path / name)
        files[name] = {"sha256": digest, "size": (path / name).stat().st_size}
        if progress:
            progress(1)
    manifest: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "created_at": timezone.now().isoformat(), "engine": engine(),
        "database": snapshot.file, "counts": snapshot.counts, "migrations": snapshot.migrations,
        "audit": {"seq": snapshot.audit_seq, "mac": snapshot.audit_mac}, "keys": key_check_values(), "files": files,
    }
    manifest["checksum"] = _manifest_checksum(manifest)
    _write_private_json(path / MANIFEST, manifest)
    return BackupResult(path, len(files), sum(f["size"] for f in files.values()), len(snapshot.counts),
                        sum(snapshot.counts.values()), snapshot.audit_seq)


# --- restore: checks ---------------------------------------------------------------------------------------

def manifest_read(path: Path) -> dict[str, Any]:
    """The manifest of the backup in ``path``, its own checksum and shape checked (BadInput otherwise)."""
    file = path / MANIFEST
    if not file.is_file():
        raise BadInput(NO_MANIFEST.format(path=path), code="BACKUP_NO_MANIFEST")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BadInput(BAD_MANIFEST, code="BACKUP_BAD_MANIFEST") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("version") != VERSION \
            or manifest.get("checksum") != _manifest_checksum(manifest) or manifest.get("engine") not in ENGINES \
            or not isinstance(manifest.get("files"), dict) or manifest.get("database") not in manifest["files"]:
        raise BadInput(BAD_MANIFEST, code="BACKUP_BAD_MANIFEST")
    return manifest


def backup_check(path: Path, *, progress: Progress | None = None) -> dict[str, Any]:
    """Check the backup in ``path`` against its manifest: every file there, whole, and nothing else."""
    manifest = manifest_read(path)
    listed: dict[str, dict[str, Any]] = manifest["files"]
    present = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()} - {MANIFEST}
    extra = sorted(present - set(listed))
    if extra:
        raise BadInput(FILE_EXTRA.format(name=extra[0]), code="BACKUP_EXTRA_FILE")
    for name, expected in sorted(listed.items()):
        file = path / name
        if name not in present:
            raise BadInput(FILE_MISSING.format(name=name), code="BACKUP_INCOMPLETE")
        if file.stat().st_size != expected.get("size") or _sha256(file) != expected.get("sha256"):
            raise BadInput(FILE_DAMAGED.format(name=name), code="BACKUP_DAMAGED")
        if progress:
            progress(1)
    return manifest


def _check_target(manifest: dict[str, Any], *, force: bool) -> None:
    """Refuse (before anything changes) what would make the restore fail or destroy data."""
    if manifest["engine"] != engine():
        raise BadInput(WRONG_ENGINE.format(backup=manifest["engine"], configured=engine()), code="BACKUP_ENGINE")
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    for app, name in manifest.get("migrations", []):
        if (app, name) not in known:
            raise BadInput(NEWER_MIGRATIONS.format(name=f"{app}.{name}"), code="BACKUP_NEWER")
    key_file = Path(settings.FUPIN_KEY_FILE)
    if not key_file.exists():
        raise BadInput(NO_KEY_FILE.format(path=key_file), code="RESTORE_NO_KEY_FILE")
    ring = keys.keyring()
    current = key_check_values()
    for key_id, value in sorted(manifest.get("keys", {}).items()):
        if key_id not in ring.keys or current.get(key_id) != value:
            raise BadInput(KEY_MISSING.format(path=key_file, key=key_id), code="RESTORE_KEY_MISSING")
    if not force and not configured_is_empty():
        raise BadInput(DB_NOT_EMPTY, code="RESTORE_DATABASE_NOT_EMPTY")
    if not force and any(True for _ in _media_files(_media_root())):
        raise BadInput(MEDIA_NOT_EMPTY.format(path=_media_root()), code="RESTORE_MEDIA_NOT_EMPTY")


# --- restore -------------------------------------------------------------------------------------------------

def _restore_media(path: Path, manifest: dict[str, Any], *, progress: Progress | None) -> int:
    root = _media_root()
    if root.exists():
        for child in root.iterdir():  # forced: the backup's files replace what was there
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    names = [n for n in sorted(manifest["files"]) if n.startswith(f"{MEDIA}/")]
    for name in names:
        target = root / name.removeprefix(f"{MEDIA}/")
        if _copy_private(path / name, target) != manifest["files"][name]["sha256"]:
            raise DomainError(FILE_DAMAGED.format(name=name), code="BACKUP_DAMAGED")
        if progress:
            progress(1)
    return len(names)


def _compare_counts(expected: dict[str, int]) -> dict[str, int]:
    found = configured_counts()
    for table, rows in sorted(expected.items()):
        if found.get(table) != rows:
            raise DomainError(COUNTS_DIFFER.format(table=table, found=found.get(table, 0), expected=rows),
                              code="RESTORE_COUNTS_DIFFER")
    return found


def backup_restore(path: Path, *, force: bool = False, progress: Progress | None = None) -> RestoreResult:
    """Restore the backup in ``path`` into the configured database and MEDIA_ROOT (see the module's notes).
    Refusals (BadInput) come before any change."""
    manifest = backup_check(path, progress=progress)
    _check_target(manifest, force=force)
    database_restore(path / manifest["database"], replace=force)
    if progress:
        progress(1)
    files = _restore_media(path, manifest, progress=progress)
    counts = _compare_counts(manifest["counts"])
    migrated = _migrate()
    audit_restored()
    return RestoreResult(files, len(counts), sum(manifest["counts"].values()), int(manifest["audit"]["seq"]),
                         migrated, audit_verify())


def _migrate() -> int:
    """Bring a backup of an older version to this version's schema (after its counts were compared)."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        call_command("migrate", interactive=False, verbosity=0)
    return len(plan)
