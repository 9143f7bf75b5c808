"""``fupin import-registry`` as an operator runs it: exit codes, messages, the report, and a crash mid-write.

Each test works on its own database: a copy of a migrated SQLite file, and on PostgreSQL (when the
suite runs with a PostgreSQL ``DATABASE_URL``) a database of its own created next to the test database.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import openpyxl
import psycopg
import pytest

from fupin.registry.tests.import_files import Registry, write_csv_set

ROOT = Path(__file__).resolve().parents[3]
DB_NAME = "fupin.sqlite3"
LEAKY_VARIABLES = ("DATABASE_URL", "FUPIN_PROFILE", "SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "ALLOWED_HOSTS",
                   "FUPIN_TEST_SQLITE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")
PG_URL = os.environ.get("DATABASE_URL", "")
PG_CRASH_DB = "fupin_import_cli"
CRASH_HOUSEHOLDS = 30_000

pytestmark = pytest.mark.xdist_group("cli")


def env_for(var_dir: Path, database_url: str | None = None) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES}
    environ.update({"FUPIN_VAR_DIR": str(var_dir), "PYTHONPATH": str(ROOT)})
    if database_url:
        environ["DATABASE_URL"] = database_url
    return environ


def command(*args: str) -> list[str]:
    """The ``fupin`` command of this checkout (its console script may belong to another one)."""
    return [sys.executable, "-c", "import sys; from fupin.cli import main; sys.exit(main())", *args]


def fupin(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
                          check=False)


@pytest.fixture(scope="module")
def template_db(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("import-cli-template")
    env = env_for(var_dir)
    assert fupin(env, "migrate", "--noinput").returncode == 0
    assert fupin(env, "seed-reference").returncode == 0
    return var_dir


@pytest.fixture
def var_dir(template_db, tmp_path):
    target = tmp_path / "var"
    target.mkdir()
    for path in template_db.glob(DB_NAME + "*"):
        shutil.copy(path, target / path.name)
    return target


def query(var_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(var_dir / DB_NAME) as connection:
        return connection.execute(sql).fetchall()


def counts(var_dir: Path) -> tuple[int, ...]:
    return tuple(query(var_dir, f"SELECT COUNT(*) FROM {t}")[0][0]  # noqa: S608
                 for t in ("registry_household", "registry_member", "registry_incomerecord", "core_auditentry"))


def village_registry(tmp_path: Path, count: int = 3) -> Registry:
    """Households in a real village of the seeded district (the demo villages)."""
    return Registry(count, village="411103101201")


class TestExitCodes:
    def test_a_good_file_is_imported_with_exit_0(self, var_dir, tmp_path):
        paths = write_csv_set(tmp_path / "in", village_registry(tmp_path))
        result = fupin(env_for(var_dir), "import-registry", *map(str, paths))
        assert result.returncode == 0, result.stderr
        assert "新增 3 户" in result.stdout and "households 3 created" in result.stdout
        assert counts(var_dir)[:3] == (3, 6, 3)
        assert result.stderr == ""  # no progress bar when stderr is not a terminal

    def test_a_bad_file_is_refused_with_exit_1_and_a_report(self, var_dir, tmp_path):
        reg = village_registry(tmp_path)
        reg.members[1]["身份证号"] = "4.11103E+17"
        reg.incomes[2]["工资性收入"] = "-5"
        paths = write_csv_set(tmp_path / "in", reg)
        before = counts(var_dir)
        report = tmp_path / "问题.xlsx"
        result = fupin(env_for(var_dir), "import-registry", *map(str, paths), "--report", str(report))
        assert result.returncode == 1
        assert "「members.csv」第 3 行「身份证号」「4.11103E+17」" in result.stderr
        assert "sheet members.csv, row 3, column 身份证号 (4.11103E+17)" in result.stderr
        assert "format the column as text" in result.stderr
        assert "row 4, column 工资性收入" in result.stderr
        assert "共 2 个问题 / 2 problems in all" in result.stderr
        assert "nothing was written" in result.stderr
        assert counts(var_dir) == before
        assert openpyxl.load_workbook(report)["问题清单"].max_row == 3

    def test_valid_only_imports_the_rest_and_exits_0(self, var_dir, tmp_path):
        reg = village_registry(tmp_path)
        reg.incomes[2]["工资性收入"] = "-5"
        paths = write_csv_set(tmp_path / "in", reg)
        result = fupin(env_for(var_dir), "import-registry", *map(str, paths), "--valid-only")
        assert result.returncode == 0, result.stderr
        assert "rows left out — incomes.csv: 4" in result.stdout
        assert "rows left out — members.csv: 6, 7" in result.stdout
        assert counts(var_dir)[:3] == (2, 4, 2)

    def test_dry_run_writes_nothing(self, var_dir, tmp_path):
        paths = write_csv_set(tmp_path / "in", village_registry(tmp_path))
        before = counts(var_dir)
        result = fupin(env_for(var_dir), "import-registry", *map(str, paths), "--dry-run")
        assert result.returncode == 0, result.stderr
        assert "would be: households 3 created" in result.stdout and "dry run" in result.stdout
        assert counts(var_dir) == before

    def test_unknown_columns_are_named(self, var_dir, tmp_path):
        reg = village_registry(tmp_path)
        for row in reg.households:
            row["备注"] = "x"
        paths = write_csv_set(tmp_path / "in", reg)
        result = fupin(env_for(var_dir), "import-registry", *map(str, paths))
        assert result.returncode == 0
        assert "columns ignored (not in the template): households.csv: 备注" in result.stdout

    def test_usage_errors_exit_2(self, var_dir, tmp_path):
        missing = fupin(env_for(var_dir), "import-registry")
        assert missing.returncode == 2 and "usage:" in missing.stderr
        absent = fupin(env_for(var_dir), "import-registry", str(tmp_path / "nope.csv"))
        assert absent.returncode == 2 and "no such file" in absent.stderr
        flag = fupin(env_for(var_dir), "import-registry", "--frobnicate", "x.csv")
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


def sqlite_state(var_dir: Path) -> dict[str, Any]:
    return {
        "counts": counts(var_dir),
        "households": query(var_dir, "SELECT id, household_no, status, phone, updated_at FROM registry_household "
                                     "ORDER BY id"),
        "members": query(var_dir, "SELECT id, household_id, name, id_number, relation FROM registry_member "
                                  "ORDER BY id"),
        "incomes": query(var_dir, "SELECT id, household_id, year, wage_income FROM registry_incomerecord ORDER BY id"),
        "indexes": query(var_dir, "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"),
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


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_db(request, var_dir):
    """(environment, state function) of a migrated, seeded database for the crash test."""
    if request.param == "sqlite":
        yield env_for(var_dir), lambda: sqlite_state(var_dir)
        return
    if not PG_URL.startswith("postgres"):
        pytest.skip("PostgreSQL runs only when the suite runs with a PostgreSQL DATABASE_URL")
    url = PG_URL.rsplit("/", 1)[0] + "/" + PG_CRASH_DB
    with psycopg.connect(pg_admin_url(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {PG_CRASH_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {PG_CRASH_DB}")
    env = env_for(var_dir, url)
    assert fupin(env, "migrate", "--noinput").returncode == 0
    assert fupin(env, "seed-reference").returncode == 0
    yield env, lambda: pg_state(url)
    with psycopg.connect(pg_admin_url(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {PG_CRASH_DB} WITH (FORCE)")


def test_a_crash_while_writing_leaves_the_registry_unchanged(crash_db, tmp_path):
    env, state = crash_db
    small, big = tmp_path / "small", tmp_path / "big"
    # The same seed: the small file is the big one's first households, so the big import updates those
    # and creates the rest.
    for out, households in ((small, 2_000), (big, CRASH_HOUSEHOLDS)):
        made = fupin(env, "registry-generate", str(out), "--households", str(households), "--seed", "7")
        assert made.returncode == 0, made.stderr
    first = fupin(env, "import-registry", *map(str, sorted(small.glob("*.csv"))))
    assert first.returncode == 0, first.stderr
    before = state()
    assert len(before["households"]) == 2_000

    status, printed = run_until_writing(command("import-registry", *map(str, sorted(big.glob("*.csv")))), env, ROOT)

    assert status == -signal.SIGKILL, printed[-2000:]
    written = [(int(a), int(b)) for a, b in re.findall(r"写入 / writing:[^\r\n]*?(\d+)/(\d+)", printed)]
    assert written and written[0][0] < written[-1][0] < written[-1][1]  # killed after writing began, before its end
    assert "完成 / done" not in printed
    assert state() == before
    # The database is sound after the crash: the same import now runs to the end.
    again = fupin(env, "import-registry", *map(str, sorted(big.glob("*.csv"))))
    assert again.returncode == 0, again.stderr
    assert f"新增 {CRASH_HOUSEHOLDS - 2_000} 户、更新 2000 户" in again.stdout
