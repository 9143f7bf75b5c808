"""The database half of ``fupin backup`` and ``fupin restore``, per engine (ADR 0021).

- SQLite: a consistent snapshot through SQLite's online backup API (one step, under a read lock: writers in
  WAL mode go on meanwhile), restored the same way into the configured file.
- PostgreSQL: ``pg_dump --format=custom`` in a snapshot exported from a REPEATABLE READ transaction, so the
  row counts recorded beside the dump are those of the dump; restored with ``pg_restore`` into the configured
  database, which must be empty (no tables) unless the restore is forced.

Row counts per table go into the manifest; a restore compares the restored database with them.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from fupin.core.errors import DomainError

SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
ENGINES = {"sqlite": SQLITE_FILE, "postgresql": PG_FILE}

IN_TRANSACTION = ("备份或恢复不能在事务中运行 / a backup or restore cannot run inside a transaction")
PG_TOOL_FAILED = "{tool} 失败（退出码 {code}）：{detail} / {tool} failed (exit {code}): {detail}"
PG_TOOL_MISSING = ("找不到 {tool}（设置 {setting}）/ {tool} was not found (setting {setting}): install the PostgreSQL "
                   "client tools")
NO_DATABASE = ("无法连接到配置的数据库：{detail}（请先创建一个空数据库）/ cannot connect to the configured database: "
               "{detail} (create an empty database first)")


@dataclass(frozen=True)
class Snapshot:
    """What a database backup wrote: its file (in the backup folder) and what was in it."""

    file: str
    counts: dict[str, int]
    migrations: list[list[str]]  # [app, name] applied
    audit_seq: int
    audit_mac: str


def engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _private_file(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


# --- what a database holds (both engines: any DB-API cursor) -----------------------------------------------

def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _contents(cursor: Any, tables: list[str]) -> tuple[dict[str, int], list[list[str]], tuple[int, str]]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 (names from the catalogue)
        counts[table] = int(cursor.fetchone()[0])
    migrations: list[list[str]] = []
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [[str(app), str(name)] for app, name in cursor.fetchall()]
    head = (0, "")
    if "core_auditentry" in tables:
        cursor.execute("SELECT seq, entry_hash FROM core_auditentry ORDER BY seq DESC LIMIT 1")
        row = cursor.fetchone()
        head = (int(row[0]), str(row[1])) if row else head
    return counts, migrations, head


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [str(r[0]) for r in rows]


def configured_counts() -> dict[str, int]:
    """Rows per table of the configured database, as it is now."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        return _contents(cursor, tables)[0]


def configured_is_empty() -> bool:
    """Whether the configured database has no tables (a new database; ``fupin migrate`` not run)."""
    if engine() == "sqlite" and not cast(Any, connection).is_in_memory_db():
        name = Path(str(connection.settings_dict["NAME"]))  # read without connecting: that would create it
        if not name.exists() or name.stat().st_size == 0:
            return True
        with closing_sqlite(name) as db:
            return not _sqlite_tables(db)
    try:
        with connection.cursor() as cursor:
            return not connection.introspection.table_names(cursor)
    except DatabaseError as exc:
        raise DomainError(NO_DATABASE.format(detail=str(exc).strip()), code="NO_DATABASE") from None


@contextmanager
def closing_sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path)
    try:
        yield db
    finally:
        db.close()


def _outside_transactions() -> None:
    if connection.in_atomic_block:
        raise DomainError(IN_TRANSACTION, code="IN_TRANSACTION")


# --- backup ------------------------------------------------------------------------------------------------

def database_backup(folder: Path) -> Snapshot:
    """Write a consistent snapshot of the configured database into ``folder``."""
    _outside_transactions()
    return _sqlite_backup(folder / SQLITE_FILE) if engine() == "sqlite" else _pg_backup(folder / PG_FILE)


def _sqlite_backup(target: Path) -> Snapshot:
    connection.ensure_connection()
    _private_file(target)
    with closing_sqlite(target) as copy:
        connection.connection.backup(copy)  # one step: a consistent snapshot
        counts, migrations, head = _contents(copy.cursor(), _sqlite_tables(copy))
    return Snapshot(target.name, counts, migrations, *head)


def _pg_args(tool: str) -> list[str]:
    db = connection.settings_dict
    args = [tool, "--no-password", f"--dbname={db['NAME']}"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args.append(f"{option}={db[key]}")
    return args


def _pg_env() -> dict[str, str]:
    environ = dict(os.environ)
    if connection.settings_dict.get("PASSWORD"):
        environ["PGPASSWORD"] = str(connection.settings_dict["PASSWORD"])
    return environ


def _run(args: list[str], setting: str) -> None:
    try:
        done = subprocess.run(args, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise DomainError(PG_TOOL_MISSING.format(tool=args[0], setting=setting), code="PG_TOOL_MISSING") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-1500:]
        raise DomainError(PG_TOOL_FAILED.format(tool=Path(args[0]).name, code=done.returncode, detail=detail),
                          code="PG_TOOL_FAILED")


def _pg_backup(target: Path) -> Snapshot:
    """pg_dump in the snapshot of a REPEATABLE READ transaction that also counts the rows."""
    _private_file(target)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        exported = str(cursor.fetchone()[0])
        counts, migrations, head = _contents(cursor, connection.introspection.table_names(cursor))
        _run([*_pg_args(settings.FUPIN_PG_DUMP), "--format=custom", f"--snapshot={exported}",
              f"--file={target}"], "FUPIN_PG_DUMP")
    return Snapshot(target.name, counts, migrations, *head)


# --- restore -----------------------------------------------------------------------------------------------

def database_restore(source: Path, *, replace: bool) -> None:
    """Load the snapshot ``source`` into the configured database (``replace``: over what it holds)."""
    _outside_transactions()
    if engine() == "sqlite":
        _sqlite_restore(source)
    else:
        _pg_restore(source, replace=replace)


def _sqlite_restore(source: Path) -> None:
    target = Path(str(connection.settings_dict["NAME"]))
    connection.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        _private_file(target)
    with closing_sqlite(source) as snapshot, closing_sqlite(target) as db:
        snapshot.backup(db)  # replaces the whole content, WAL included


def _pg_restore(source: Path, *, replace: bool) -> None:
    if replace:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    _run([*_pg_args(settings.FUPIN_PG_RESTORE), "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", str(source)], "FUPIN_PG_RESTORE")
