"""``fupin import-registry`` as an operator runs it: exit codes, messages, the report, a crash mid-write, and
imports started while another one writes.

The exit codes and messages are checked in this process (``fupin.cli.main``) on the test database with the
reference data: they are engine-independent (docs/testing.md), the import itself is tested on both engines
by the other test_import_* modules. The crash and the imports at once need processes of their own: on a copy
of the migrated SQLite template, and, when the suite runs on PostgreSQL, on a copy of a PostgreSQL database the
command migrated and seeded once per module (the engine matters there: COPY and the advisory lock).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import sqlite3
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import psycopg
import pytest

from fupin.core.imports.lock import IMPORT_LOCK
from fupin.core.models import AuditEntry
from fupin.core.testing import CHECKOUT, FUPIN, CliRun, fupin_main, fupin_process, process_env
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.registry.tests.import_files import Registry, write_csv_set

PG_URL = os.environ.get("DATABASE_URL", "")
CRASH_HOUSEHOLDS = 30_000

pytestmark = pytest.mark.xdist_group("cli")


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Household, Member, IncomeRecord, AuditEntry))


def village_registry(count: int = 3) -> Registry:
    """Households in a real village of the seeded district (the demo villages)."""
    return Registry(count, village="411103101201")


def import_registry(*args: Any) -> CliRun:
    return fupin_main("import-registry", *map(str, args))


@pytest.mark.engine_independent
class TestExitCodes:
    def test_a_good_file_is_imported_with_exit_0(self, reference_db, tmp_path):
        paths = write_csv_set(tmp_path / "in", village_registry())
        result = import_registry(*paths)
        assert result.returncode == 0, result.stderr
        assert "新增 3 户" in result.stdout and "households 3 created" in result.stdout
        assert counts()[:3] == (3, 6, 3)
        assert result.stderr == ""  # no progress bar when stderr is not a terminal

    def test_a_bad_file_is_refused_with_exit_1_and_a_report(self, reference_db, tmp_path):
        reg = village_registry()
        reg.members[1]["身份证号"] = "4.11103E+17"
        reg.incomes[2]["工资性收入"] = "-5"
        paths = write_csv_set(tmp_path / "in", reg)
        before = counts()
        report = tmp_path / "问题.xlsx"
        result = import_registry(*paths, "--report", report)
        assert result.returncode == 1
        assert "「members.csv」第 3 行「身份证号」「4.11103E+17」" in result.stderr
        assert "sheet members.csv, row 3, column 身份证号 (4.11103E+17)" in result.stderr
        assert "format the column as text" in result.stderr
        assert "row 4, column 工资性收入" in result.stderr
        assert "共 2 个问题 / 2 problems in all" in result.stderr
        assert "nothing was written" in result.stderr
        assert counts() == before
        assert openpyxl.load_workbook(report)["问题清单"].max_row == 3

    def test_valid_only_imports_the_rest_and_exits_0(self, reference_db, tmp_path):
        reg = village_registry()
        reg.incomes[2]["工资性收入"] = "-5"
        paths = write_csv_set(tmp_path / "in", reg)
        result = import_registry(*paths, "--valid-only")
        assert result.returncode == 0, result.stderr
        assert "rows left out — incomes.csv: 4" in result.stdout
        assert "rows left out — members.csv: 6, 7" in result.stdout
        assert counts()[:3] == (2, 4, 2)

    def test_dry_run_writes_nothing(self, reference_db, tmp_path):
        paths = write_csv_set(tmp_path / "in", village_registry())
        before = counts()
        result = import_registry(*paths, "--dry-run")
        assert result.returncode == 0, result.stderr
        assert "would be: households 3 created" in result.stdout and "dry run" in result.stdout
        assert counts() == before

    def test_unknown_columns_are_named(self, reference_db, tmp_path):
        reg = village_registry()
        for row in reg.households:
            row["备注"] = "x"
        paths = write_csv_set(tmp_path / "in", reg)
        result = import_registry(*paths)
        assert result.returncode == 0
        assert "columns ignored (not in the template): households.csv: 备注" in result.stdout

    def test_files_of_headers_only_are_refused_with_exit_1(self, reference_db, tmp_path):
        paths = write_csv_set(tmp_path / "in", village_registry(0))
        result = import_registry(*paths)
        assert result.returncode == 1
        assert "「households.csv」：没有数据行" in result.stderr and "sheet households.csv: no data rows" in result.stderr
        assert counts()[:3] == (0, 0, 0)

    def test_usage_errors_exit_2(self, tmp_path):
        missing = import_registry()
        assert missing.returncode == 2 and "usage:" in missing.stderr
        absent = import_registry(tmp_path / "nope.csv")
        assert absent.returncode == 2 and "no such file" in absent.stderr
        flag = import_registry("--frobnicate", "x.csv")
        assert flag.returncode == 2


# --- a crash in the middle of writing ---------------------------------------------------------------

def run_until_writing(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float = 300) -> tuple[int, str]:
    """Run ``cmd`` with a terminal as stderr (so it draws its progress bar); SIGKILL it as soon as the bar
    shows rows written beyond the start of the writing stage. Returns (exit status, what it printed)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))  # a terminal 200 columns wide
    process = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    seen = b""
    start: int | None = None
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
                text = seen.decode("utf-8", errors="replace")
                positions = [int(m.group(1)) for m in re.finditer(r"写入 / writing:[^\r\n]*?(\d+)/\d+", text)]
                if positions:
                    start = positions[0] if start is None else start
                    if positions[-1] > start:
                        process.send_signal(signal.SIGKILL)
                        break
            if process.poll() is not None:
                break
        status = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    return status, seen.decode("utf-8", errors="replace")


def sqlite_query(var_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(var_dir / "fupin.sqlite3") as connection:
        return connection.execute(sql).fetchall()


def sqlite_state(var_dir: Path) -> dict[str, Any]:
    def rows(sql: str) -> list[tuple[Any, ...]]:
        return sqlite_query(var_dir, sql)

    return {
        "counts": tuple(rows(f"SELECT COUNT(*) FROM {t}")[0][0]  # noqa: S608 (fixed table names)
                        for t in ("registry_household", "registry_member", "registry_incomerecord", "core_auditentry")),
        "households": rows("SELECT id, household_no, status, phone, updated_at FROM registry_household ORDER BY id"),
        "members": rows("SELECT id, household_id, name, id_number, relation FROM registry_member ORDER BY id"),
        "incomes": rows("SELECT id, household_id, year, wage_income FROM registry_incomerecord ORDER BY id"),
        "indexes": rows("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"),
    }


def pg_admin_url() -> str:
    return PG_URL.rsplit("/", 1)[0] + "/postgres"


def pg_state(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as connection:
        def rows(sql: str) -> list[tuple[Any, ...]]:
            return connection.execute(sql).fetchall()  # type: ignore[arg-type]

        return {
            "households": rows("SELECT id, household_no, status, phone, updated_at FROM registry_household "
                               "ORDER BY id"),
            "members": rows("SELECT id, household_id, name, id_number, relation FROM registry_member ORDER BY id"),
            "incomes": rows("SELECT id, household_id, year, wage_income FROM registry_incomerecord ORDER BY id"),
            "audit": rows("SELECT COUNT(*) FROM core_auditentry"),
            "indexes": rows("SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'registry_%' "
                            "ORDER BY indexname"),
        }


@contextmanager
def sqlite_write_lock(var_dir: Path) -> Iterator[None]:
    """Another connection holds the SQLite database's write lock, as an import writing does."""
    with closing(sqlite3.connect(var_dir / "fupin.sqlite3", isolation_level=None)) as connection:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")


@contextmanager
def pg_import_lock(url: str) -> Iterator[None]:
    """Another connection holds the import lock (a transaction's advisory lock), as an import writing does."""
    with psycopg.connect(url) as connection:
        connection.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        try:
            yield
        finally:
            connection.rollback()


@dataclass
class ProcessDB:
    """A migrated, seeded database of the test's own for `fupin` processes."""

    env: dict[str, str]
    state: Callable[[], dict[str, Any]]
    import_lock: Callable[[], AbstractContextManager[None]]
    """Holds the import lock from another connection while the block runs."""


def pg_database(suffix: str) -> tuple[str, str]:
    """The name and URL of a PostgreSQL database of this module's, named after the suite's database so that
    suites on one server with different databases do not collide."""
    name = PG_URL.rsplit("/", 1)[1].split("?")[0] + suffix
    return name, PG_URL.rsplit("/", 1)[0] + "/" + name


def pg_drop(name: str) -> None:
    with psycopg.connect(pg_admin_url(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def pg_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL database migrated and seeded by the installed `fupin` command in processes of its own, once
    per module (as ``cli_template`` is for SQLite); each test works on a copy of it."""
    name, url = pg_database("_import_cli_template")
    pg_drop(name)
    with psycopg.connect(pg_admin_url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    env = process_env(tmp_path_factory.mktemp("pg-template-var"), DATABASE_URL=url)
    try:
        migrated = fupin_process(env, "migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr
        seeded = fupin_process(env, "seed-reference")
        assert seeded.returncode == 0, seeded.stderr
        yield name
    finally:
        pg_drop(name)


# The SQLite runs are on a file of their own whatever the suite's engine: once, in the SQLite half.
@pytest.fixture(params=[pytest.param("sqlite", marks=pytest.mark.engine_independent), "postgresql"])
def process_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProcessDB]:
    if request.param == "sqlite":
        var_dir: Path = request.getfixturevalue("cli_var_dir")
        yield ProcessDB(process_env(var_dir), lambda: sqlite_state(var_dir), lambda: sqlite_write_lock(var_dir))
        return
    if not PG_URL.startswith("postgres"):
        pytest.skip("PostgreSQL runs only when the suite runs with a PostgreSQL DATABASE_URL")
    template: str = request.getfixturevalue("pg_template")
    name, url = pg_database("_import_cli")
    pg_drop(name)
    with psycopg.connect(pg_admin_url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    (tmp_path / "var").mkdir()
    yield ProcessDB(process_env(tmp_path / "var", DATABASE_URL=url), lambda: pg_state(url), lambda: pg_import_lock(url))
    pg_drop(name)


def test_a_crash_while_writing_leaves_the_registry_unchanged(process_db, tmp_path):
    env, state = process_db.env, process_db.state
    small, big = tmp_path / "small", tmp_path / "big"
    # The same seed: the small file is the big one's first households, so the big import updates those
    # and creates the rest.
    for out, households in ((small, 2_000), (big, CRASH_HOUSEHOLDS)):
        made = fupin_process(env, "registry-generate", str(out), "--households", str(households), "--seed", "7")
        assert made.returncode == 0, made.stderr
    first = fupin_process(env, "import-registry", *map(str, sorted(small.glob("*.csv"))))
    assert first.returncode == 0, first.stderr
    before = state()
    assert len(before["households"]) == 2_000

    status, printed = run_until_writing([FUPIN, "import-registry", *map(str, sorted(big.glob("*.csv")))], env,
                                        CHECKOUT)

    assert status == -signal.SIGKILL, printed[-2000:]
    written = [(int(a), int(b)) for a, b in re.findall(r"写入 / writing:[^\r\n]*?(\d+)/(\d+)", printed)]
    assert written and written[0][0] < written[-1][0] < written[-1][1]  # killed after writing began, before its end
    assert "完成 / done" not in printed
    assert state() == before
    # The database is sound after the crash: the same import now runs to the end.
    again = fupin_process(env, "import-registry", *map(str, sorted(big.glob("*.csv"))))
    assert again.returncode == 0, again.stderr
    # The small file's households are the big one's first, with the same values: found, and left as they are.
    assert f"新增 {CRASH_HOUSEHOLDS - 2_000} 户、更新 0 户、未变 2000 户" in again.stdout


# --- imports started while another one writes ---------------------------------------------------------------

def start_import(env: dict[str, str], paths: list[Path], wait: int) -> subprocess.Popen[str]:
    return subprocess.Popen([FUPIN, "import-registry", *map(str, paths)], cwd=CHECKOUT,
                            env={**env, "FUPIN_IMPORT_WAIT_SECONDS": str(wait)}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_an_import_while_another_writes_waits_then_is_refused_with_exit_3(process_db, tmp_path):
    paths = write_csv_set(tmp_path / "in", village_registry())
    before = process_db.state()
    with process_db.import_lock():
        refused = fupin_process({**process_db.env, "FUPIN_IMPORT_WAIT_SECONDS": "1"}, "import-registry",
                                *map(str, paths))
    assert refused.returncode == 3, refused.stderr
    assert "另一个导入正在进行" in refused.stderr and "another import is running" in refused.stderr
    assert "nothing was written" in refused.stderr
    assert "database is locked" not in refused.stderr and "Traceback" not in refused.stderr
    assert process_db.state() == before
    # Given the time, the same import waits for the other one to finish, then goes through.
    with process_db.import_lock():
        waiting = start_import(process_db.env, paths, wait=120)
        time.sleep(5)
        assert waiting.poll() is None  # still waiting for the lock
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert "新增 3 户" in out
    assert len(process_db.state()["households"]) == 3


def test_two_imports_of_the_same_files_at_once_both_finish_and_write_the_rows_once(process_db, tmp_path):
    paths = write_csv_set(tmp_path / "in", village_registry(5))
    # Both start while a third holds the lock, so that they meet at it whatever the machine's speed.
    with process_db.import_lock():
        runs = [start_import(process_db.env, paths, wait=120) for _ in range(2)]
        time.sleep(5)
    done = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in done]
    summaries = sorted(out for out, _ in done)
    # One created the households; the other waited for it, then found them as the file has them.
    assert "新增 0 户、更新 0 户、未变 5 户" in summaries[0] and "households 0 created" in summaries[0]
    assert "新增 5 户、更新 0 户、未变 0 户" in summaries[1]
    state = process_db.state()
    assert len(state["households"]) == 5 and len(state["members"]) == 10 and len(state["incomes"]) == 5
